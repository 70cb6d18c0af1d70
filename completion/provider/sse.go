package provider

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// errBadEvent marks a stream that does not decode: a line past the size
// limit, or an event whose JSON is not what the format promises.
var errBadEvent = errors.New("undecodable event")

// event is one server-sent event. A hand-written reader rather than
// tmaxmax/go-sse's: llama.cpp reports a failure mid-stream as a non-standard
// "error:" field, which a spec-following parser drops without a word.
type event struct {
	Type string // "event:" field; "error" for llama.cpp's error field
	Data []byte // "data:" lines joined by "\n"
}

// maxLinesPerEvent bounds the lines read without an event: comments,
// unknown fields, junk. Keep-alive comments come seconds apart.
const maxLinesPerEvent = 10000

type sseReader struct {
	r       *bufio.Reader
	maxLine int
}

func newSSEReader(r io.Reader, maxLine int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 4096), maxLine: maxLine}
}

// next returns the next event with data, or io.EOF at the end of the
// stream. A final event not closed by a blank line still counts.
func (s *sseReader) next() (event, error) {
	var ev event
	has := false
	for n := 0; ; n++ {
		if n > maxLinesPerEvent {
			// A server sending lines that never make an event would
			// keep the idle watchdog content for ever.
			return event{}, errBadEvent
		}
		line, err := s.line()
		if err != nil {
			if err == io.EOF && has {
				return ev, nil
			}
			return event{}, err
		}
		if len(line) == 0 { // blank line: dispatch
			if has {
				return ev, nil
			}
			ev = event{}
			continue
		}
		if line[0] == ':' { // comment, e.g. a keep-alive
			continue
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(name) {
		case "data":
			if has {
				ev.Data = append(ev.Data, '\n')
			}
			ev.Data = append(ev.Data, value...)
			has = true
		case "event":
			ev.Type = string(value)
		case "error":
			ev.Type = "error"
			ev.Data = append(ev.Data[:0], value...)
			has = true
		}
	}
}

// line reads one line without its line ending, at most maxLine bytes.
func (s *sseReader) line() ([]byte, error) {
	var buf []byte
	for {
		frag, err := s.r.ReadSlice('\n')
		if len(buf)+len(frag) > s.maxLine {
			return nil, errBadEvent
		}
		buf = append(buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if err == io.EOF && len(buf) == 0 {
			return nil, io.EOF
		}
		return buf, nil // at EOF: the last line, without a newline
	}
}

// nextData returns the data of the stream's next event: io.EOF at its end,
// and the server's failure for an "error" event (llama.cpp's error field).
func (s *sseReader) nextData() ([]byte, error) {
	ev, err := s.next()
	if err != nil {
		return nil, err
	}
	if ev.Type == "error" {
		return nil, streamError(ev.Data)
	}
	return ev.Data, nil
}

// decodeEvent decodes an event's data into v: data that is not the JSON
// the format promises is errBadEvent.
func decodeEvent(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return errors.Join(errBadEvent, err)
	}
	return nil
}

// reported says whether an event's "error" field holds a failure.
func reported(field json.RawMessage) bool { return len(field) > 0 && string(field) != "null" }

// streamError is a failure the server reported inside a 200 stream, such
// as llama.cpp's `error: {"code":500,"message":..,"type":"server_error"}`.
func streamError(data []byte) error {
	var v struct {
		Code    any    `json:"code"` // llama.cpp's a number, OpenAI's a string
		Message string `json:"message"`
		Type    string `json:"type"`
	}
	msg := serverMessage(data)
	if json.Unmarshal(data, &v) == nil && v.Message != "" {
		msg = v.Message
	}
	code, _ := v.Code.(float64)
	e := &Error{Kind: KindServer, Msg: msg}
	switch {
	case code == 401 || code == 403 || v.Type == "authentication_error":
		e.Kind = KindAuth
	case code == 429:
		e.Kind = KindRateLimit
	case code >= 400 && code < 500 || v.Type == "invalid_request_error":
		e.Kind = KindBadRequest
	}
	return e
}
