// Package server is Inkling's LSP front: the JSON-RPC connection, the
// lifecycle, configuration and status, and one thin handler per LSP feature
// that translates between protocol types and the completion engine.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"go.uber.org/zap"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Options configure a Server.
type Options struct {
	Version string
	Logger  *zap.Logger
	// Env reads the environment (os.Getenv when nil); tests pass their own.
	Env func(string) string
	// NewProvider builds a backend (provider.New when nil).
	NewProvider func(provider.Config) (provider.Provider, error)
	// NoProbe skips probing 127.0.0.1 for Ollama and llama.cpp when no
	// provider is configured.
	NoProbe bool
	// MaxMessageBytes bounds one JSON-RPC message.
	MaxMessageBytes int
	// LogLevel, when set, is changed by the logLevel setting.
	LogLevel *zap.AtomicLevel
}

// Server is one LSP session.
type Server struct {
	opts   Options
	log    *zap.Logger
	ws     *workspace.Workspace
	engine *completion.Engine
	ctx    *contextSources

	conn   *jsonrpc2.Conn
	stream *stream // the session's, for notifyWithNext

	mu          sync.Mutex
	initialized bool
	shutdown    bool
	enc         workspace.Encoding
	settings    Settings
	status      statusParams
	providerWhy string
	pending     map[jsonrpc2.ID]context.CancelFunc
	latest      map[string]jsonrpc2.ID // per document: the completion request that supersedes older ones
	suggestions *suggestionLog
	showNotes   atomic.Bool // the client reports suggestions it displays (see speculateShown)
	exited      chan struct{}
	exitOnce    sync.Once
	parentPID   int
}

// New returns a server ready to Serve.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Env == nil {
		opts.Env = os.Getenv
	}
	if opts.NewProvider == nil {
		opts.NewProvider = func(c provider.Config) (provider.Provider, error) { return provider.New(c) }
	}
	if opts.MaxMessageBytes == 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	ws := workspace.New()
	s := &Server{
		opts: opts, log: opts.Logger, ws: ws,
		pending: map[jsonrpc2.ID]context.CancelFunc{}, latest: map[string]jsonrpc2.ID{},
		suggestions: newSuggestionLog(), exited: make(chan struct{}),
		status: statusParams{Kind: "Normal", Message: "starting"},
	}
	s.engine = completion.New(ws, nil, completion.DefaultOptions())
	s.engine.OnStatus = s.providerHealth
	s.ctx = newContextSources(s)
	return s
}

// Engine exposes the completion engine (for benchmarks and the CLI).
func (s *Server) Engine() *completion.Engine { return s.engine }

// Serve runs the session over r and w until the client exits or closes the
// stream. It returns nil after a clean shutdown and exit.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer, c io.Closer) error {
	st := newStream(r, w, c, s.opts.MaxMessageBytes)
	st.split = true
	st.onBad = func(err error) { s.log.Warn("rejected message", zap.Error(err)) }
	s.mu.Lock()
	s.stream = st
	s.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn := jsonrpc2.NewConn(ctx, st, s, jsonrpc2.SetLogger(zapLogger{s.log}))
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	select {
	case <-conn.DisconnectNotify():
	case <-s.exited:
	case <-ctx.Done():
	}
	s.cancelAll()
	s.ctx.close()
	s.mu.Lock()
	clean := s.shutdown
	s.mu.Unlock()
	if !clean {
		return errors.New("client went away without shutdown")
	}
	return nil
}

type zapLogger struct{ l *zap.Logger }

func (z zapLogger) Printf(format string, v ...any) { z.l.Debug(fmt.Sprintf(format, v...)) }

func (s *Server) cancelAll() {
	s.mu.Lock()
	for _, c := range s.pending {
		c()
	}
	s.mu.Unlock()
}

// rpcError is what a handler returns to send a specific JSON-RPC error.
type rpcError struct {
	code int64
	msg  string
}

func (e *rpcError) Error() string { return e.msg }

func errorf(code int64, format string, a ...any) error {
	return &rpcError{code, fmt.Sprintf(format, a...)}
}

// decode unmarshals params, turning a type error into InvalidParams that
// names the field.
func decode(req *jsonrpc2.Request, v any) error {
	if req.Params == nil {
		return errorf(codeInvalidParams, "%s: params are required", req.Method)
	}
	if err := json.Unmarshal(*req.Params, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errorf(codeInvalidParams, "%s: field %q must be %s, not %s", req.Method, te.Field, jsonKind(te.Type), withArticle(te.Value))
		}
		return errorf(codeInvalidParams, "%s: %v", req.Method, err)
	}
	return nil
}

// jsonKind names what a Go type decodes from in JSON's words: the client
// wrote JSON, and server.textDocumentID means nothing to its author.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a value"
}

// withArticle is encoding/json's name of a JSON value's kind ("number",
// "string", "array", "object", "bool", "number 1e300") with an article.
func withArticle(v string) string {
	switch {
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "a") || strings.HasPrefix(v, "o"):
		return "an " + v
	}
	return "a " + v
}

func (s *Server) exit() {
	s.exitOnce.Do(func() { close(s.exited) })
}

// watchParent ends the session when the editor that started it is gone, so
// a detached server (Neovim 0.12 starts them so) does not outlive it.
func (s *Server) watchParent(pid int) {
	if pid <= 0 {
		return
	}
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-s.exited:
				return
			case <-t.C:
				if !processAlive(pid) {
					s.log.Info("parent process is gone; exiting", zap.Int("pid", pid))
					s.exit()
					return
				}
			}
		}
	}()
}
