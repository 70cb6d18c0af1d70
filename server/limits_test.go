package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/server/lsptest"
)

// countingReader serves n bytes of b (repeated), then the tail, and counts
// what was read.
type countingReader struct {
	b    byte
	n    int
	tail io.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		k, err := c.tail.Read(p)
		c.read += k
		return k, err
	}
	k := min(len(p), c.n-c.read)
	for i := range p[:k] {
		p[i] = c.b
	}
	c.read += k
	return k, nil
}

// A header line without an end is skipped to its end without being held in
// memory, answered once, and the next message is read.
func TestEndlessHeaderLine(t *testing.T) {
	good := `{"jsonrpc":"2.0","id":1,"method":"x"}`
	r := &countingReader{b: 'X', n: 32 << 20, tail: strings.NewReader(fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n%s", len(good), good))}
	var out bytes.Buffer
	st := newStream(r, &out, nil, 1<<20)
	var v json.RawMessage
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := st.ReadObject(&v); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if string(v) != good {
		t.Fatalf("read %q after the long line", v)
	}
	if n := strings.Count(out.String(), "header line too long"); n != 1 {
		t.Fatalf("%d replies about the long line, want 1: %q", n, out.String())
	}
	// 32 MB went by; holding the line would allocate at least that.
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("%d bytes allocated to skip a 32 MB line", got)
	}
}

// A message over the limit is discarded unread and answered, and the next
// message is read. Its length is never allocated.
func TestMessageOverLimit(t *testing.T) {
	const max = 1 << 10
	good := `{"jsonrpc":"2.0","id":2,"method":"x"}`
	big := strings.Repeat("a", 5*max)
	in := fmt.Sprintf("Content-Length: %d\r\n\r\n%sContent-Length: %d\r\n\r\n%s", len(big), big, len(good), good)
	var out bytes.Buffer
	st := newStream(strings.NewReader(in), &out, nil, max)
	var v json.RawMessage
	if err := st.ReadObject(&v); err != nil {
		t.Fatal(err)
	}
	if string(v) != good {
		t.Fatalf("read %q", v)
	}
	if !strings.Contains(out.String(), "over the 1024-byte limit") {
		t.Fatalf("no error for the big message: %q", out.String())
	}
	// A length past the limit and past the end of the input: the stream
	// ends, it does not allocate the declared size.
	st = newStream(strings.NewReader("Content-Length: 9223372036854775807\r\n\r\n{}"), io.Discard, nil, max)
	if err := st.ReadObject(&v); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("huge declared length: %v", err)
	}
}

// The server's default limit holds a 10 MB document sent whole.
func TestDefaultLimit(t *testing.T) {
	if DefaultMaxMessageBytes < 10<<20*6/5 {
		t.Fatalf("DefaultMaxMessageBytes %d cannot carry a 10 MB document as JSON", DefaultMaxMessageBytes)
	}
	s := startSession(t, Options{MaxMessageBytes: 64 << 10})
	s.Initialize("", nil, nil)
	text := strings.Repeat("x", 100<<10)
	s.open("file:///w/big.txt", "plaintext", text)
	m, ok := s.WaitNote("", 5*time.Second, func(m lsptest.Message) bool {
		return m.Error != nil && strings.Contains(m.Error.Message, "limit")
	})
	if !ok {
		t.Fatal("no error for a message over the session's limit")
	}
	if m.Error.Code != codeParseError {
		t.Errorf("code %d", m.Error.Code)
	}
	// Still serving.
	if _, err := s.Call("inkling/status", nil); err != nil {
		t.Fatal(err)
	}
}

// writeCounter keeps every Write apart.
type writeCounter struct{ writes []string }

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// TestOneWritePerMessage: a message's header and body go out in one Write
// (one read for the client, one system call on stdout), and read back.
func TestOneWritePerMessage(t *testing.T) {
	var w writeCounter
	st := newStream(nil, &w, nil, 1<<20)
	msg := map[string]any{"jsonrpc": "2.0", "id": 1, "result": "ünïcode"}
	if err := st.WriteObject(msg); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 1 {
		t.Fatalf("%d writes for one message: %q", len(w.writes), w.writes)
	}
	var v map[string]any
	if err := newStream(strings.NewReader(w.writes[0]), io.Discard, nil, 1<<20).ReadObject(&v); err != nil || v["result"] != "ünïcode" {
		t.Fatalf("read back %v, %v from %q", v, err, w.writes[0])
	}
}
