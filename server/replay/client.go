package replay

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// editor is the client side of the replay: it speaks LSP over jsonrpc2 and
// notes when each answer and each partial result arrives.
type editor struct {
	conn *jsonrpc2.Conn

	mu       sync.Mutex
	progress map[string]time.Time // partial result token → first non-empty partial
	partials map[string]int
}

func newEditor(ctx context.Context, rw io.ReadWriteCloser) *editor {
	e := &editor{progress: map[string]time.Time{}, partials: map[string]int{}}
	e.conn = jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(rw, jsonrpc2.VSCodeObjectCodec{}), jsonrpc2.HandlerWithError(e.handle))
	return e
}

func (e *editor) handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if req.Method == "$/progress" && req.Params != nil {
		now := time.Now()
		var p struct {
			Token json.RawMessage `json:"token"`
			Value inlineList      `json:"value"`
		}
		if json.Unmarshal(*req.Params, &p) == nil && len(p.Value.Items) > 0 && p.Value.Items[0].InsertText != "" {
			tok := string(p.Token)
			e.mu.Lock()
			if _, ok := e.progress[tok]; !ok {
				e.progress[tok] = now
			}
			e.partials[tok]++
			e.mu.Unlock()
		}
	}
	return nil, nil // server requests (none expected) get null
}

func (e *editor) firstPartial(token string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.progress[strconv.Quote(token)]
	return t, ok
}

type inlineList struct {
	Items []struct {
		InsertText string `json:"insertText"`
	} `json:"items"`
}

// pipeRW joins the two pipe ends a client holds.
type pipeRW struct {
	io.Reader
	io.WriteCloser
}
