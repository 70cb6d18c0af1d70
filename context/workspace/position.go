package workspace

import (
	"unicode/utf8"
)

// Encoding is how LSP positions count characters within a line.
type Encoding int

const (
	UTF16 Encoding = iota // the LSP default
	UTF8
	UTF32
)

// EncodingFromLSP maps a positionEncoding name to an Encoding.
func EncodingFromLSP(s string) (Encoding, bool) {
	switch s {
	case "utf-16":
		return UTF16, true
	case "utf-8":
		return UTF8, true
	case "utf-32":
		return UTF32, true
	}
	return UTF16, false
}

func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "utf-8"
	case UTF32:
		return "utf-32"
	}
	return "utf-16"
}

// Position is an LSP position: zero-based line and character, the character
// counted in the connection's Encoding.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is an LSP range.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// lineStarts returns the byte offset at which every line begins. "\r\n",
// "\r" and "\n" all end a line, as the LSP spec says.
func lineStarts(text string) []int {
	starts := make([]int, 1, 64)
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			starts = append(starts, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineEnd is the offset where line i's content ends, before its terminator.
func lineEnd(text string, lines lineIndex, i int) int {
	if i+1 >= lines.len() {
		return len(text)
	}
	end := lines.at(i + 1)
	if end > 0 && text[end-1] == '\n' {
		end--
	}
	if end > lines.at(i) && text[end-1] == '\r' {
		end--
	}
	return end
}

// offsetOf converts a position to a byte offset. Positions past the end of a
// line clamp to the line's end and lines past the end clamp to the end of the
// text, as the spec asks; a character in the middle of a multi-unit rune
// (half a surrogate pair, a byte inside a UTF-8 sequence) rounds down to the
// rune's start. exact reports whether no clamping was needed.
func offsetOf(text string, lines lineIndex, p Position, enc Encoding) (off int, exact bool) {
	if p.Line < 0 || p.Character < 0 {
		return 0, false
	}
	if p.Line >= lines.len() {
		return len(text), false
	}
	start, end := lines.at(p.Line), lineEnd(text, lines, p.Line)
	if enc == UTF8 {
		off = start + p.Character
		if off > end {
			return end, false
		}
		for off > start && off < end && !utf8.RuneStart(text[off]) {
			off--
		}
		return off, off == start+p.Character
	}
	units := 0
	for i := start; i < end; {
		if units >= p.Character {
			return i, units == p.Character
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		w := 1
		if enc == UTF16 && r >= 0x10000 {
			w = 2
		}
		if units+w > p.Character {
			return i, false // inside a surrogate pair
		}
		units += w
		i += size
	}
	return end, units == p.Character
}

// positionOf converts a byte offset to a position.
func positionOf(text string, lines lineIndex, off int, enc Encoding) Position {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	line := lines.search(off)
	start := lines.at(line)
	if end := lineEnd(text, lines, line); off > end {
		off = end // inside a "\r\n"
	}
	return Position{Line: line, Character: units(text[start:off], enc)}
}

// units counts s in the encoding's code units.
func units(s string, enc Encoding) int {
	switch enc {
	case UTF8:
		return len(s)
	case UTF32:
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// searchLine is the index of the line that contains off, in a block's
// starts.
func searchLine(starts []int, off int) int {
	lo, hi := 0, len(starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
