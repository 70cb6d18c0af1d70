package provider

import "unicode/utf8"

// The completions request is written by hand, in one pass, straight from
// the prompt's pieces: the template rendered to a string, then marshalled
// by go-openai and copied again into the request was four copies of a
// prompt of several kilobytes, each into memory not touched since the last
// key; about 0.1 ms on the request's path (BENCHMARKS.md, issue 4).

// jsonText is an io.StringWriter that appends what it is given to a JSON
// string literal being written, escaped.
type jsonText struct{ b []byte }

func (w *jsonText) WriteString(s string) (int, error) {
	w.b = appendJSONEscaped(w.b, s)
	return len(s), nil
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONEscaped(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONEscaped appends s escaped for the inside of a JSON string:
// quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD, as encoding/json writes them. HTML characters stay as they are:
// the body is read by a model server, not a browser.
func appendJSONEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
