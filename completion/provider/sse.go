package provider

import (
	"bufio"
	"bytes"
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
