package workspace

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// refOffset is a deliberately naive reference: split into lines, encode the
// line in the target encoding, cut, decode back.
func refOffset(text string, p Position, enc Encoding) int {
	var lines []string
	var ends []int // offset just past each line's terminator
	i := 0
	for i <= len(text) {
		j := i
		for j < len(text) && text[j] != '\n' && text[j] != '\r' {
			j++
		}
		lines = append(lines, text[i:j])
		if j >= len(text) {
			ends = append(ends, len(text))
			break
		}
		if text[j] == '\r' && j+1 < len(text) && text[j+1] == '\n' {
			j++
		}
		ends = append(ends, j+1)
		i = j + 1
		if i == len(text) {
			lines = append(lines, "")
			ends = append(ends, len(text))
			break
		}
	}
	if p.Line >= len(lines) {
		return len(text)
	}
	start := 0
	if p.Line > 0 {
		start = ends[p.Line-1]
	}
	line := lines[p.Line]
	switch enc {
	case UTF8:
		c := min(p.Character, len(line))
		for c > 0 && c < len(line) && !utf8.RuneStart(line[c]) {
			c--
		}
		return start + c
	case UTF32:
		rs := []rune(line)
		return start + len(string(rs[:min(p.Character, len(rs))]))
	}
	u := utf16.Encode([]rune(line))
	c := min(p.Character, len(u))
	if c > 0 && c < len(u) && utf16.IsSurrogate(rune(u[c-1])) && u[c-1] < 0xDC00 {
		c-- // inside a pair: round down
	}
	return start + len(string(utf16.Decode(u[:c])))
}

func TestOffsetOf(t *testing.T) {
	texts := []string{"", "abc", "abc\n", "a\r\nb", "é😀abc\nx", "a\rb\r\nc\n", "日本語\n😀😀\n"}
	for _, text := range texts {
		starts := newLineIndex(text)
		for line := 0; line < 5; line++ {
			for ch := 0; ch < 10; ch++ {
				for _, enc := range []Encoding{UTF8, UTF16, UTF32} {
					p := Position{line, ch}
					got, _ := offsetOf(text, starts, p, enc)
					if want := refOffset(text, p, enc); got != want {
						t.Errorf("%q %v %v: got %d want %d", text, p, enc, got, want)
					}
				}
			}
		}
	}
}

func TestPositionRoundTrip(t *testing.T) {
	text := "é😀abc\r\nx日本\n\n😀"
	starts := newLineIndex(text)
	for off := 0; off <= len(text); off++ {
		if !utf8.RuneStart(text[min(off, len(text)-1)]) && off < len(text) {
			continue
		}
		if off > 0 && off < len(text) && text[off-1] == '\r' && text[off] == '\n' {
			continue // between \r and \n is not a position
		}
		for _, enc := range []Encoding{UTF8, UTF16, UTF32} {
			p := positionOf(text, starts, off, enc)
			back, exact := offsetOf(text, starts, p, enc)
			if back != off || !exact {
				t.Errorf("off %d %v: pos %v back %d exact %v", off, enc, p, back, exact)
			}
		}
	}
}

// FuzzEdits applies edits through the workspace and through a plain string
// model, and checks the text agrees after each one.
func FuzzEdits(f *testing.F) {
	f.Add("package p\n\nfunc f() {}\n", uint16(2), uint16(3), uint16(0), uint16(4), "x😀\r\n", uint8(1))
	f.Add("é😀abc\r\nx", uint16(0), uint16(1), uint16(1), uint16(0), "日本", uint8(0))
	f.Add("", uint16(9), uint16(9), uint16(9), uint16(9), "a\rb", uint8(2))
	f.Fuzz(func(t *testing.T, text string, l1, c1, l2, c2 uint16, ins string, e uint8) {
		if !utf8.ValidString(text) || !utf8.ValidString(ins) {
			return
		}
		enc := Encoding(e % 3)
		w := New()
		w.Open("file:///f.go", "go", 1, text)
		r := Range{Position{int(l1 % 8), int(c1 % 12)}, Position{int(l2 % 8), int(c2 % 12)}}
		s := refOffset(text, r.Start, enc)
		end := refOffset(text, r.End, enc)
		if end < s {
			s, end = end, s
		}
		want := text[:s] + ins + text[end:]
		_ = w.Change("file:///f.go", 2, []Change{{Range: &r, Text: ins}}, enc)
		snap, err := w.Snapshot("file:///f.go", true)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		if snap.Text != want {
			t.Fatalf("text %q, want %q", snap.Text, want)
		}
		if snap.Tree != nil {
			fresh := strings.Clone(snap.Text)
			_ = fresh
			if got := snap.Tree.Root().EndByte(); int(got) > len(snap.Text) {
				t.Fatalf("tree ends at %d past text %d", got, len(snap.Text))
			}
		}
	})
}

// TestSplice checks the incremental line index against a full scan over
// random edits of text made of line ends and a letter, where "\r\n" pairs
// are made and split by the edits; with blocks of 3 lines (the package's
// tests all run with small blocks, see lines_test.go), edits cross them.
func TestSplice(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\n", "\r", "\r\n", "é", "\n\n\n\n"}
	piece := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 20000 {
		text := piece(rng.IntN(24))
		lines := newLineIndex(text)
		for range 8 {
			s := rng.IntN(len(text) + 1)
			e := s + rng.IntN(len(text)-s+1)
			ins := piece(rng.IntN(6))
			next := text[:s] + ins + text[e:]
			got := lines.splice(next, s, e, len(ins))
			if want := lineStarts(next); !slices.Equal(got.all(), want) || got.len() != len(want) {
				t.Fatalf("case %d: %q with [%d,%d) replaced by %q: starts %v (%d), want %v", i, text, s, e, ins, got.all(), got.len(), want)
			}
			for l, want := range lineStarts(next) {
				if at := got.at(l); at != want {
					t.Fatalf("case %d: %q: line %d at %d, want %d", i, next, l, at, want)
				}
			}
			for off := 0; off <= len(next); off++ {
				if got, want := got.search(off), searchLine(lineStarts(next), off); got != want {
					t.Fatalf("case %d: %q: offset %d on line %d, want %d", i, next, off, got, want)
				}
			}
			text, lines = next, got
		}
	}
}
