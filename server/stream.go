package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxMessageBytes bounds one JSON-RPC message. It is well above a
// 10 MB document sent whole, and stops a broken client from making the
// server allocate without limit.
const DefaultMaxMessageBytes = 64 << 20

// stream frames JSON-RPC messages with LSP's Content-Length headers. Unlike
// jsonrpc2's own codec it survives bad input: a message that is not JSON, or
// not a request or response, is answered with a JSON-RPC error and the next
// message is read, instead of the connection being closed.
type stream struct {
	r     *bufio.Reader
	w     io.Writer
	c     io.Closer
	max   int
	wmu   sync.Mutex
	held  []byte      // framed messages to go out with the next write
	onBad func(error) // for the log

	// With split (the server's session), the params of the request or
	// notification ReadObject returned last are kept here for the
	// handler, which jsonrpc2 calls next on the same goroutine (see
	// splitRequest).
	split     bool
	params    json.RawMessage
	hasParams bool
}

// splitRequest decodes a request or notification in one pass into its
// params and a body without them, which is what jsonrpc2 is given.
// jsonrpc2 reads a message three times (its envelope; then a generic map
// of the whole message, params and all; then the params marshalled back
// to JSON), before the handler decodes the params itself: on every key,
// for the didChange and the request that come with it, and for a whole
// document, on every didOpen. Anything else (a response, a batch, a
// message that does not decode so) is left to jsonrpc2 whole, and its
// errors stay what they were.
func splitRequest(body []byte) (small, params json.RawMessage, ok bool) {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method json.RawMessage `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &m) != nil {
		return nil, nil, false
	}
	if len(m.Method) == 0 || m.Method[0] != '"' || m.Result != nil || m.Error != nil {
		return nil, nil, false
	}
	small = make([]byte, 0, len(m.ID)+len(m.Method)+32)
	small = append(small, `{"jsonrpc":"2.0","method":`...)
	small = append(small, m.Method...)
	if m.ID != nil {
		small = append(small, `,"id":`...)
		small = append(small, m.ID...)
	}
	return append(small, '}'), m.Params, true
}

// takeParams returns the params of the request ReadObject returned last,
// once; ok is false when jsonrpc2 decoded that message whole.
func (s *stream) takeParams() (params json.RawMessage, ok bool) {
	params, ok = s.params, s.hasParams
	s.params, s.hasParams = nil, false
	return params, ok
}

func newStream(r io.Reader, w io.Writer, c io.Closer, max int) *stream {
	return &stream{r: bufio.NewReaderSize(r, 64<<10), w: w, c: c, max: max}
}

func (s *stream) WriteObject(obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return s.writeRaw(data)
}

// writeRaw writes one message in a single Write: header and body in two
// would cost the client two reads (two wake-ups on a pipe) and, on stdout,
// two system calls per answer.
func (s *stream) writeRaw(data []byte) error {
	msg := appendFrame(make([]byte, 0, 40+len(data)), data)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(s.held) > 0 {
		msg = append(s.held, msg...)
		s.held = nil
	}
	_, err := s.w.Write(msg)
	return err
}

// withNext frames data and holds it to go out in front of the next
// message, in the same write.
func (s *stream) withNext(data []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.held = appendFrame(s.held, data)
}

func appendFrame(msg, data []byte) []byte {
	msg = append(msg, "Content-Length: "...)
	msg = strconv.AppendInt(msg, int64(len(data)), 10)
	msg = append(msg, "\r\n\r\n"...)
	return append(msg, data...)
}

func (s *stream) ReadObject(v any) error {
	for {
		body, err := s.readFrame()
		if err != nil {
			var bad *badFrame
			if errors.As(err, &bad) {
				s.reject(nil, -32700, bad.Error())
				continue
			}
			return err
		}
		s.params, s.hasParams = nil, false
		if s.split {
			if small, params, ok := splitRequest(body); ok {
				// jsonrpc2 decodes the request without its params;
				// the handler takes them from takeParams.
				body, s.params, s.hasParams = small, params, true
			}
		}
		if err := json.Unmarshal(body, v); err != nil {
			// One pass, not a json.Valid first: a 10 MB didOpen costs
			// tens of milliseconds per pass.
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				s.reject(nil, -32700, "parse error: message is not valid JSON: "+err.Error())
			} else {
				s.reject(idOf(body), -32600, "invalid request: "+err.Error())
			}
			continue
		}
		return nil
	}
}

func (s *stream) Close() error {
	if s.c != nil {
		return s.c.Close()
	}
	return nil
}

// reject answers a message that never reached a handler.
func (s *stream) reject(id json.RawMessage, code int, msg string) {
	if s.onBad != nil {
		s.onBad(errors.New(msg))
	}
	if id == nil {
		id = json.RawMessage("null")
	}
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": msg}})
	_ = s.writeRaw(data)
}

func idOf(body []byte) json.RawMessage {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(body, &m) == nil && len(m.ID) > 0 {
		return m.ID
	}
	return nil
}

type badFrame struct{ msg string }

func (b *badFrame) Error() string { return b.msg }

// readFrame reads one message body. Header errors are reported as badFrame
// after skipping what can't be read, so the stream resynchronises on the
// next header.
func (s *stream) readFrame() ([]byte, error) {
	length := -1
	sawHeader := false
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && (sawHeader || line != "") {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(line) > maxHeaderLine {
			return nil, &badFrame{"parse error: header line too long"}
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if !sawHeader {
				continue // stray blank line between messages
			}
			break
		}
		sawHeader = true
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &badFrame{fmt.Sprintf("parse error: malformed header %q", truncate(line, 80))}
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, &badFrame{fmt.Sprintf("parse error: bad Content-Length %q", truncate(value, 40))}
			}
			length = n
		}
	}
	if length < 0 {
		return nil, &badFrame{"parse error: message has no Content-Length header"}
	}
	if length > s.max {
		if _, err := io.CopyN(io.Discard, s.r, int64(length)); err != nil {
			return nil, err
		}
		return nil, &badFrame{fmt.Sprintf("message of %d bytes is over the %d-byte limit", length, s.max)}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(s.r, body); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(body), nil
}

// maxHeaderLine bounds one header line.
const maxHeaderLine = 8 << 10

// readLine reads one line, newline included. A line longer than the
// buffer is skipped to its end and returned cut short (still over
// maxHeaderLine), so that garbage without newlines is never held in memory
// whole.
func (s *stream) readLine() (string, error) {
	line, err := s.r.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return string(line), err
	}
	cut := string(line)
	for err == bufio.ErrBufferFull {
		_, err = s.r.ReadSlice('\n')
	}
	if err != nil {
		return cut, err
	}
	return cut, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
