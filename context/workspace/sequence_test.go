package workspace

import (
	"testing"
	"unicode/utf8"

	"github.com/inkling-ls/inkling/treesitter"
)

// editScript decodes fuzz bytes into a sequence of didChange notifications,
// each with one or more changes: a byte picks the kind, then positions and
// the inserted text come from the bytes that follow. Positions may point
// past the end of a line or of the document, as buggy clients send.
type scriptedChange struct {
	whole bool
	r     Range
	text  string
}

var insertions = []string{"", "x", "😀", "é", "\n", "\r\n", "\r", "日本", "}\n", "func f() {", "\t", "a\r\nb\n"}

func decodeScript(data []byte) [][]scriptedChange {
	var out [][]scriptedChange
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	for len(data) > 0 && len(out) < 64 {
		n := next()%3 + 1 // changes in this notification
		var batch []scriptedChange
		for i := 0; i < n; i++ {
			k := next()
			ins := insertions[next()%len(insertions)]
			if k%16 == 0 {
				batch = append(batch, scriptedChange{whole: true, text: "package p\n" + ins})
				continue
			}
			r := Range{Position{next() % 10, next() % 14}, Position{next() % 10, next() % 14}}
			batch = append(batch, scriptedChange{r: r, text: ins})
		}
		out = append(out, batch)
	}
	return out
}

// applyRef applies one change to the reference text with the naive
// refOffset: the model the workspace must agree with.
func applyRef(text string, c scriptedChange, enc Encoding) string {
	if c.whole {
		return c.text
	}
	s, e := refOffset(text, c.r.Start, enc), refOffset(text, c.r.End, enc)
	if e < s {
		s, e = e, s
	}
	return text[:s] + c.text + text[e:]
}

// checkPositions compares every position conversion of snap with the
// reference: each offset maps to a position and back, and the position of
// every (line, character) pair lands where the reference says.
func checkPositions(t *testing.T, snap *Snapshot, enc Encoding) {
	t.Helper()
	text := snap.Text
	for line := 0; line <= snap.LineCount(); line++ {
		for ch := 0; ch < 16; ch++ {
			p := Position{line, ch}
			got, _ := snap.Offset(p, enc)
			if want := refOffset(text, p, enc); got != want {
				t.Fatalf("%q %v %v: offset %d, reference %d", text, p, enc, got, want)
			}
		}
	}
	for off := 0; off <= len(text); off++ {
		if off < len(text) && !utf8.RuneStart(text[off]) {
			continue
		}
		if off > 0 && off < len(text) && text[off-1] == '\r' && text[off] == '\n' {
			continue
		}
		p := snap.Position(off, enc)
		if back, exact := snap.Offset(p, enc); back != off || !exact {
			t.Fatalf("%q off %d %v: position %v maps back to %d (exact %v)", text, off, enc, p, back, exact)
		}
	}
}

// FuzzEditSequence applies a sequence of incremental and whole-document
// changes through the workspace and through the reference model: after
// every notification the texts agree, positions convert as the reference
// says, and the incrementally maintained syntax tree is the tree a fresh
// parse of the text gives.
func FuzzEditSequence(f *testing.F) {
	f.Add("package p\n\nfunc f() {\n\treturn\n}\n", []byte{0, 1, 2, 3, 4, 5, 6, 1, 7, 8, 1, 2, 3, 4}, uint8(1))
	f.Add("é😀abc\r\nx\ry\n", []byte{2, 5, 2, 0, 2, 0, 3, 9, 9, 9, 9, 16, 4}, uint8(1))
	f.Add("", []byte{1, 0, 4, 9, 9, 0, 0, 3, 1, 1, 0, 0}, uint8(0))
	f.Add("日本語\n😀😀\n", []byte{2, 7, 2, 1, 1, 1, 3, 7, 7, 1, 1, 0, 0, 0, 0, 255}, uint8(2))
	f.Fuzz(func(t *testing.T, text string, script []byte, e uint8) {
		if !utf8.ValidString(text) || len(text) > 4096 {
			return
		}
		enc := Encoding(e % 3)
		const uri = "file:///seq/f.go"
		w := New()
		w.Open(uri, "go", 1, text)
		ref := text
		for i, batch := range decodeScript(script) {
			changes := make([]Change, len(batch))
			for j, c := range batch {
				ref = applyRef(ref, c, enc)
				if c.whole {
					changes[j] = Change{Text: c.text}
				} else {
					r := c.r
					changes[j] = Change{Range: &r, Text: c.text}
				}
			}
			_ = w.Change(uri, int32(i+2), changes, enc) // a clamped range is reported, and still applied
			snap, err := w.Snapshot(uri, true)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Text != ref {
				snap.Close()
				t.Fatalf("after notification %d: text %q, reference %q", i, snap.Text, ref)
			}
			checkPositions(t, snap, enc)
			if snap.Tree != nil {
				fresh, err := treesitter.Parse(snap.Tree.Language(), []byte(snap.Text))
				if err == nil {
					got, want := snap.Tree.Root().String(), fresh.Root().String()
					fresh.Close()
					if got != want {
						snap.Close()
						t.Fatalf("after notification %d of %q: incremental tree\n%s\nfresh parse\n%s", i, ref, got, want)
					}
				}
			}
			snap.Close()
		}
		// An edit for an older version is refused and changes nothing.
		if len(decodeScript(script)) > 0 {
			if err := w.Change(uri, 1, []Change{{Text: "stale"}}, enc); err == nil {
				t.Fatal("an out-of-order change was accepted")
			}
		}
		snap, _ := w.Snapshot(uri, false)
		if snap.Text != ref {
			t.Fatalf("an out-of-order change altered the text: %q", snap.Text)
		}
		snap.Close()
		if err := w.Close(uri); err != nil {
			t.Fatal(err)
		}
	})
}
