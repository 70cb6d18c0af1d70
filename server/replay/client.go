package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// editor is the client side of the replay: it speaks LSP over jsonrpc2;
// its wire notes when each answer and each partial result arrives.
type editor struct {
	conn *jsonrpc2.Conn
	wire *stampReader
}

func newEditor(ctx context.Context, rw io.ReadWriteCloser) *editor {
	e := &editor{wire: newStampReader(rw)}
	stream := struct {
		io.Reader
		io.WriteCloser
	}{e.wire, rw}
	// Server requests (none expected) and notifications get null.
	e.conn = jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(stream, jsonrpc2.VSCodeObjectCodec{}),
		jsonrpc2.HandlerWithError(func(context.Context, *jsonrpc2.Conn, *jsonrpc2.Request) (any, error) { return nil, nil }))
	return e
}

// replied is when the reply to request id came off the wire.
func (e *editor) replied(id int) (time.Time, bool) {
	return e.wire.reply(strconv.Itoa(id))
}

// firstPartial is when the first non-empty partial result for token came
// off the wire.
func (e *editor) firstPartial(token string) (time.Time, bool) {
	return e.wire.partial(strconv.Quote(token))
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

// stampReader notes when each reply and each first non-empty partial
// result comes off the wire: the moment the server's write reached the
// editor, before the client's own decoding and dispatch, which are not
// the server's time.
type stampReader struct {
	r io.Reader

	mu       sync.Mutex
	buf      []byte
	consumed int64                // bytes framed and dropped from buf
	replies  map[string]time.Time // id → arrival
	ends     map[string]int64     // id → bytes read up to the reply's end
	partials map[string]time.Time // partial result token → first non-empty
}

func newStampReader(r io.Reader) *stampReader {
	return &stampReader{r: r, replies: map[string]time.Time{}, ends: map[string]int64{}, partials: map[string]time.Time{}}
}

func (s *stampReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.scan(p[:n], time.Now())
	}
	return n, err
}

// scan frames what was read, stamping each whole message with now.
func (s *stampReader) scan(p []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		end := bytes.Index(s.buf, []byte("\r\n\r\n"))
		if end < 0 {
			return
		}
		size := -1
		for _, line := range strings.Split(string(s.buf[:end]), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				size, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if size < 0 || len(s.buf) < end+4+size {
			return
		}
		s.consumed += int64(end + 4 + size)
		s.stamp(s.buf[end+4:end+4+size], now)
		s.buf = s.buf[end+4+size:]
	}
}

func (s *stampReader) stamp(body []byte, now time.Time) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Token json.RawMessage `json:"token"`
			Value inlineList      `json:"value"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil {
		return
	}
	switch {
	case m.Method == "" && len(m.ID) > 0:
		s.replies[string(m.ID)] = now
		s.ends[string(m.ID)] = s.consumed
	case m.Method == "$/progress" && len(m.Params.Value.Items) > 0 && m.Params.Value.Items[0].InsertText != "":
		if _, ok := s.partials[string(m.Params.Token)]; !ok {
			s.partials[string(m.Params.Token)] = now
		}
	}
}

func (s *stampReader) reply(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.replies[id]
	return t, ok
}

// end is where the reply to id ended in the stream.
func (s *stampReader) end(id string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.ends[id]
	return n, ok
}

func (s *stampReader) partial(token string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.partials[token]
	return t, ok
}
