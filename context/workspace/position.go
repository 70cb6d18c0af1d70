package workspace

import (
	"strings"
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
func lineEnd(text string, starts []int, i int) int {
	if i+1 >= len(starts) {
		return len(text)
	}
	end := starts[i+1]
	if end > 0 && text[end-1] == '\n' {
		end--
	}
	if end > starts[i] && text[end-1] == '\r' {
		end--
	}
	return end
}

// offsetOf converts a position to a byte offset. Positions past the end of a
// line clamp to the line's end and lines past the end clamp to the end of the
// text, as the spec asks; a character in the middle of a multi-unit rune
// (half a surrogate pair, a byte inside a UTF-8 sequence) rounds down to the
// rune's start. exact reports whether no clamping was needed.
func offsetOf(text string, starts []int, p Position, enc Encoding) (off int, exact bool) {
	if p.Line < 0 || p.Character < 0 {
		return 0, false
	}
	if p.Line >= len(starts) {
		return len(text), false
	}
	start, end := starts[p.Line], lineEnd(text, starts, p.Line)
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
func positionOf(text string, starts []int, off int, enc Encoding) Position {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	line := searchLine(starts, off)
	start := starts[line]
	if end := lineEnd(text, starts, line); off > end {
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

// searchLine is the index of the line that contains off.
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

// spliceStarts returns the line starts of newText, which is the text that
// old described with the bytes [s, e) replaced by n bytes. Only the lines
// around the edit are scanned; the rest are copied, those after it
// shifted. On a 10,000-line file this is what keeps a keystroke cheap:
// rescanning every byte took most of didChange's time.
func spliceStarts(old []int, newText string, s, e, n int) []int {
	ls, le := searchLine(old, s), searchLine(old, e)
	// Rescan from the line before the edit: a "\r" ending it may pair with
	// a "\n" the edit inserts at the start of the next line.
	j := max(ls-1, 0)
	from := old[j]
	// Up to the first line start after the edit, which stays a line start
	// (the bytes on both sides of it are unchanged), only moved by delta.
	delta := n - (e - s)
	tail := le+1 >= len(old)
	to := len(newText)
	if !tail {
		to = old[le+1] + delta
	}
	out := make([]int, 0, len(old)+strings.Count(newText[s:s+n], "\n")+1)
	out = append(out, old[:j]...)
	for _, st := range lineStarts(newText[from:to]) {
		if tail || st+from < to {
			out = append(out, st+from)
		}
	}
	for _, st := range old[min(le+1, len(old)):] {
		out = append(out, st+delta)
	}
	return out
}
