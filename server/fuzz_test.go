package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/server/lsptest"
)

var frameSeeds = []string{
	"Content-Length: 2\r\n\r\n{}",
	"Content-Length: 52\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\",\"params\":null}",
	"Content-Length: 10\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1,2,3,4]\n",
	"content-length:   3  \n\n{\"a",
	"Content-Length: -5\r\n\r\n",
	"Content-Length: 99999999999999999999\r\n\r\n",
	"Content-Length: 0\r\n\r\n",
	"Content-Length: 4\r\nContent-Length: 2\r\n\r\nnull",
	"no colon here\r\n\r\n{}",
	"\r\n\r\n\r\n",
	"Content-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":{},\"x\":1}",
	"Content-Length: 16\r\n\r\n\xff\xfe\x00\x01garbage bytes",
	"Content-Length: 5000\r\n\r\n" + strings.Repeat("[", 5000),
	strings.Repeat("X", 9000) + "\r\n\r\n",
}

// readAll reads objects until the stream ends, as jsonrpc2's loop does.
func readAll(t *testing.T, data []byte, max int) (objs int, replies []byte) {
	var out bytes.Buffer
	st := newStream(bytes.NewReader(data), &out, nil, max)
	for i := 0; ; i++ {
		if i > len(data)+1 {
			t.Fatalf("more messages (%d) than input bytes (%d)", i, len(data))
		}
		var v json.RawMessage
		err := st.ReadObject(&v)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read error %v", err)
			}
			return objs, out.Bytes()
		}
		if len(v) > max {
			t.Fatalf("object of %d bytes passed the %d-byte limit", len(v), max)
		}
		if !json.Valid(v) {
			t.Fatalf("invalid JSON passed on: %q", v)
		}
		objs++
	}
}

// parseReplies checks that what the stream wrote back is a sequence of
// well-framed JSON-RPC error responses.
func parseReplies(t *testing.T, data []byte) int {
	r := bufio.NewReader(bytes.NewReader(data))
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			return n
		}
		v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "Content-Length: ")
		if !ok {
			t.Fatalf("reply header %q", line)
		}
		length, _ := strconv.Atoi(v)
		if blank, _ := r.ReadString('\n'); blank != "\r\n" {
			t.Fatalf("reply header not ended by a blank line: %q", blank)
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			t.Fatalf("reply body: %v", err)
		}
		var m struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &m); err != nil || m.JSONRPC != "2.0" || m.Error == nil || m.Error.Message == "" || len(m.ID) == 0 {
			t.Fatalf("reply is not a JSON-RPC error: %s", body)
		}
		if m.Error.Code != -32700 && m.Error.Code != -32600 {
			t.Fatalf("reply code %d: %s", m.Error.Code, body)
		}
		n++
	}
}

// longLength matches a declared length of four digits or more: past the
// fuzz tests' 4096-byte limit, such a message is read and discarded whole,
// and so may swallow everything sent after it.
var longLength = regexp.MustCompile(`(?i)length[^\n]*?[0-9]{4}`)

func swallows(data []byte) bool { return longLength.Match(data) }

// FuzzFrames feeds arbitrary bytes to the message framing. It never panics
// and never loops without consuming input; what it passes on is valid JSON
// within the size limit; everything it rejects is answered by a well-formed
// JSON-RPC error; and a good message after the garbage is still read, once
// the garbage has ended (a blank line and a fresh header).
func FuzzFrames(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 4096
		_, replies := readAll(t, data, max)
		parseReplies(t, replies)

		// Resynchronisation: whatever came before, once it is finished (a
		// declared length fully delivered) a good message gets through.
		// Pad with enough blank lines to finish any declared length up to
		// the limit, then a good message.
		good := `{"jsonrpc":"2.0","id":"probe","method":"x"}`
		tail := strings.Repeat("\r\n", max) + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(good), good)
		st := newStream(io.MultiReader(bytes.NewReader(data), strings.NewReader(tail)), io.Discard, nil, max)
		for i := 0; ; i++ {
			var v struct {
				ID json.RawMessage `json:"id"`
			}
			if err := st.ReadObject(&v); err != nil {
				if swallows(data) {
					return
				}
				t.Fatalf("good message after garbage was lost: %v", err)
			}
			if string(v.ID) == `"probe"` {
				return
			}
		}
	})
}

// FuzzSession writes arbitrary bytes into a live session after initialize.
// The server must not crash, must keep answering, and must end cleanly
// when the client goes away.
func FuzzSession(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`Content-Length: 94` + "\r\n\r\n" + `{"jsonrpc":"2.0","id":7,"method":"textDocument/inlineCompletion","params":{"position":"x"}}`))
	f.Add([]byte(`Content-Length: 97` + "\r\n\r\n" + `{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":5,"contentChanges":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("exit")) {
			return // a well-formed exit would end the session, as it should
		}
		if swallows(data) {
			return
		}
		s := startSession(t, Options{MaxMessageBytes: 4096})
		s.Initialize("", nil, nil)
		s.RawBytes(data)
		// The server answers a good request once the garbage is over. A
		// declared length swallows what follows it, up to the limit: keep
		// sending until one is answered, each ended by a blank line, which
		// lets the framing find the next header.
		deadline := time.Now().Add(20 * time.Second)
		for sent := 0; ; sent++ {
			id := fmt.Sprintf(`"probe-%d"`, sent)
			s.Raw(`{"jsonrpc":"2.0","id":` + id + `,"method":"inkling/status"}`)
			s.RawBytes([]byte("\r\n"))
			if _, ok := s.WaitNote("", 50*time.Millisecond, func(m lsptest.Message) bool {
				return m.ID != nil && strings.HasPrefix(string(*m.ID), `"probe-`) && (m.Result != nil || m.Error != nil)
			}); ok {
				return
			}
			if sent > 200 || time.Now().After(deadline) {
				t.Fatalf("no answer after %d requests following %q", sent, data)
			}
		}
	})
}
