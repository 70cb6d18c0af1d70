package server

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/inkling-ls/inkling/server/lsptest"
)

// session is a server running in this process over pipes, driven by the
// test client, with its log captured at debug level.
type session struct {
	*lsptest.Client
	srv  *Server
	in   *io.PipeWriter // what the client writes
	out  *io.PipeWriter // what the server writes
	done chan error     // Serve's result
	log  *logBuffer
}

// logBuffer collects every log line, for tests that read the log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) Sync() error { return nil }

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is a fixed environment for a test server.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// startSession runs New(opts).Serve over pipes. Unless the options say
// otherwise the environment is empty, nothing on this machine is probed, and
// the log is kept at debug level in session.log. The session is ended at
// cleanup and Serve must return.
func startSession(t testing.TB, opts Options) *session {
	t.Helper()
	lb := &logBuffer{}
	if opts.Logger == nil {
		enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
		opts.Logger = zap.New(zapcore.NewCore(enc, lb, zapcore.DebugLevel))
	}
	if opts.Env == nil {
		opts.Env = env()
	}
	opts.NoProbe = true
	cr, sw := io.Pipe() // server → client
	sr, cw := io.Pipe() // client → server
	s := New(opts)
	done := make(chan error, 1)
	go func() {
		err := s.Serve(context.Background(), sr, sw, nil)
		sw.Close()
		done <- err
	}()
	ss := &session{Client: lsptest.New(t, cr, cw), srv: s, in: cw, out: sw, done: done, log: lb}
	t.Cleanup(func() { ss.end(t) })
	return ss
}

// end closes the client's side and waits for Serve to return.
func (s *session) end(t testing.TB) {
	s.in.Close()
	select {
	case err := <-s.done:
		s.done <- err // end may run twice
	case <-time.After(10 * time.Second):
		t.Errorf("Serve did not return after the client went away")
	}
	// The server may still write (a reply racing the end); drain it.
	select {
	case <-s.Closed():
	case <-time.After(5 * time.Second):
		t.Errorf("server output did not end")
	}
}

// open sends didOpen and returns the URI.
func (s *session) open(uri, lang, text string) string {
	s.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": lang, "version": 1, "text": text}})
	return uri
}

func pos(line, ch int) map[string]any { return map[string]any{"line": line, "character": ch} }

func inlineParams(uri string, line, ch int) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(line, ch), "context": map[string]any{"triggerKind": 1}}
}

// messages are the texts of the notifications with method whose text
// contains sub (case-insensitive).
func (s *session) messages(method, sub string) []string {
	var out []string
	for _, m := range s.Notes(method) {
		if strings.Contains(strings.ToLower(string(m.Params)), strings.ToLower(sub)) {
			out = append(out, string(m.Params))
		}
	}
	return out
}
