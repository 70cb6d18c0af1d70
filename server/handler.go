package server

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"go.uber.org/zap"
)

// Handle is called by jsonrpc2's read loop for every message. Notifications
// run here, in order, so edits apply in the order sent; requests each run on
// their own goroutine with a context that $/cancelRequest (or a newer
// completion for the same document) cancels, so a slow model never holds up
// didChange.
func (s *Server) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	s.mu.Lock()
	if s.conn == nil {
		s.conn = conn
	}
	initialized, shutdown := s.initialized, s.shutdown
	st := s.stream
	s.mu.Unlock()
	if st != nil {
		// The read loop calls Handle right after the stream has read
		// the message, so the params the stream kept aside are req's.
		if p, ok := st.takeParams(); ok {
			req.Params = nil
			if p != nil {
				req.Params = &p
			}
		}
	}

	if req.Notif {
		defer s.recoverNotification(req.Method)
		if !initialized && req.Method != "exit" {
			return // the spec: notifications before initialize are dropped
		}
		if err := s.notification(ctx, req); err != nil {
			s.log.Warn("notification failed", zap.String("method", req.Method), zap.Error(err))
			s.logMessage(2, strings.ToValidUTF8(truncate(req.Method+": "+err.Error(), maxErrorBytes), ""))
		}
		return
	}

	switch {
	case !initialized && req.Method != "initialize":
		s.replyError(conn, req.ID, &rpcError{codeNotInitialized, "server not initialized: send initialize first"})
		return
	case initialized && req.Method == "initialize":
		s.replyError(conn, req.ID, &rpcError{codeInvalidRequest, "initialize was already received"})
		return
	case shutdown && req.Method != "shutdown":
		s.replyError(conn, req.ID, &rpcError{codeInvalidRequest, "server is shutting down"})
		return
	}

	h, ok := requests[req.Method]
	if !ok {
		s.replyError(conn, req.ID, &rpcError{codeMethodNotFound, "method not supported: " + req.Method})
		return
	}
	after := &cleanups{}
	rctx, cancel := context.WithCancel(context.WithValue(ctx, cleanupsKey{}, after))
	s.mu.Lock()
	s.pending[req.ID] = cancel
	s.mu.Unlock()
	// Anything that must see the document as it is now (before later
	// didChange notifications) is read here, on the read loop.
	run, err := h(s, rctx, req)
	if err != nil {
		s.finish(conn, req, nil, err)
		after.run()
		return
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("handler panic", zap.String("method", req.Method), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				s.finish(conn, req, nil, errorf(codeInternalError, "%s: internal error: %v", req.Method, r))
				after.run()
			}
		}()
		start := time.Now()
		res, err := run()
		s.finish(conn, req, res, err)
		s.log.Debug("request", zap.String("method", req.Method), zap.Duration("took", time.Since(start)), zap.Error(err))
		after.run()
	}()
}

// cleanups are what a request leaves to do once its reply is written.
type cleanups struct {
	mu sync.Mutex
	fs []func()
}

type cleanupsKey struct{}

// afterReply runs f once the reply to the request of ctx is written, off
// the answer's path; right away in the background for a ctx that belongs
// to no request.
func afterReply(ctx context.Context, f func()) {
	c, _ := ctx.Value(cleanupsKey{}).(*cleanups)
	if c == nil {
		go f()
		return
	}
	c.mu.Lock()
	c.fs = append(c.fs, f)
	c.mu.Unlock()
}

func (c *cleanups) run() {
	c.mu.Lock()
	fs := c.fs
	c.fs = nil
	c.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// maxErrorBytes bounds the message of an error sent to the client.
const maxErrorBytes = 1000

// handlerFunc prepares a request on the read loop and returns the work to
// run off it. Validation errors are returned at once.
type handlerFunc func(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error)

// requests maps each supported request method to its handler; one file per
// feature fills it in.
var requests = map[string]handlerFunc{}

func (s *Server) finish(conn *jsonrpc2.Conn, req *jsonrpc2.Request, res any, err error) {
	s.mu.Lock()
	if c := s.pending[req.ID]; c != nil {
		c()
		delete(s.pending, req.ID)
	}
	s.mu.Unlock()
	if err != nil {
		s.replyError(conn, req.ID, err)
		return
	}
	if err := s.reply(conn, req.ID, res); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		s.log.Warn("reply failed", zap.Error(err))
	}
}

// reply writes the response to a request. Through the session's stream it
// is encoded once: jsonrpc2's Conn.Reply marshals the result, then the
// envelope, whose encoder reads the result's JSON twice more (as a
// RawMessage, then as the output of the envelope's MarshalJSON), on the
// answer's way to the editor.
func (s *Server) reply(conn *jsonrpc2.Conn, id jsonrpc2.ID, res any) error {
	s.mu.Lock()
	st := s.stream
	s.mu.Unlock()
	if st == nil {
		return conn.Reply(context.Background(), id, res)
	}
	result, err := json.Marshal(res)
	if err != nil {
		return err
	}
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return err
	}
	msg := make([]byte, 0, len(idJSON)+len(result)+40)
	msg = append(msg, `{"jsonrpc":"2.0","id":`...)
	msg = append(msg, idJSON...)
	msg = append(msg, `,"result":`...)
	msg = append(msg, result...)
	msg = append(msg, '}')
	return st.writeRaw(msg)
}

func (s *Server) replyError(conn *jsonrpc2.Conn, id jsonrpc2.ID, err error) {
	var re *rpcError
	switch {
	case errors.As(err, &re):
	case errors.Is(err, context.Canceled):
		re = &rpcError{codeRequestCancelled, "request cancelled"}
	default:
		re = &rpcError{codeRequestFailed, err.Error()}
	}
	// Errors quote what they reject: bound the quote (a 100 KB URI).
	msg := strings.ToValidUTF8(truncate(re.msg, maxErrorBytes), "")
	if err := conn.ReplyWithError(context.Background(), id, &jsonrpc2.Error{Code: re.code, Message: msg}); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		s.log.Warn("reply failed", zap.Error(err))
	}
}

func (s *Server) recoverNotification(method string) {
	if r := recover(); r != nil {
		s.log.Error("notification panic", zap.String("method", method), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
		s.logMessage(1, method+": internal error")
	}
}

// notifications maps each supported notification to its handler.
var notifications = map[string]func(s *Server, ctx context.Context, req *jsonrpc2.Request) error{}

func (s *Server) notification(ctx context.Context, req *jsonrpc2.Request) error {
	if req.Method == "$/cancelRequest" {
		var p struct {
			ID jsonrpc2.ID `json:"id"`
		}
		if err := decode(req, &p); err != nil {
			return err
		}
		s.mu.Lock()
		c := s.pending[p.ID]
		s.mu.Unlock()
		if c != nil {
			c()
		}
		return nil
	}
	h, ok := notifications[req.Method]
	if !ok {
		if len(req.Method) > 2 && req.Method[:2] == "$/" {
			return nil // optional notifications may be ignored, says the spec
		}
		s.log.Debug("ignoring unknown notification", zap.String("method", req.Method))
		return nil
	}
	return h(s, ctx, req)
}

// notify sends a notification; failures (the client went away) are logged.
func (s *Server) notify(method string, params any) {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return
	}
	if err := conn.Notify(context.Background(), method, params); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		s.log.Debug("notify failed", zap.String("method", method), zap.Error(err))
	}
}

// notifyWithNext sends a notification with the next message written,
// which the caller knows is imminent (the reply to the request it serves):
// one write, and one wake-up of the client, for the two.
func (s *Server) notifyWithNext(method string, params any) {
	s.mu.Lock()
	st := s.stream
	s.mu.Unlock()
	if st == nil {
		s.notify(method, params)
		return
	}
	data, err := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		Method  string `json:"method"`
		Params  any    `json:"params"`
	}{"2.0", method, params})
	if err != nil {
		s.log.Debug("notify failed", zap.String("method", method), zap.Error(err))
		return
	}
	st.withNext(data)
}

// logMessage sends window/logMessage (1 error, 2 warning, 3 info, 4 log).
func (s *Server) logMessage(typ int, msg string) {
	s.notify("window/logMessage", map[string]any{"type": typ, "message": msg})
}

// supersede registers id as the newest completion request for uri and
// cancels the one it replaces: its answer could only be stale.
func (s *Server) supersede(uri string, id jsonrpc2.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.latest[uri]; ok && old != id {
		if c := s.pending[old]; c != nil {
			c()
		}
	}
	s.latest[uri] = id
}
