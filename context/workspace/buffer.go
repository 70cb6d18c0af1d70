package workspace

import (
	"fmt"
	"strings"
	"sync"

	"github.com/inkling-ls/inkling/treesitter"
)

// Change is one LSP content change. A nil Range replaces the whole text.
type Change struct {
	Range *Range
	Text  string
}

// buffer is one open document. Its mutex guards text and tree; it is never
// held across anything slow (a reparse after a small edit is well under a
// millisecond), so edits are never delayed by a completion.
type buffer struct {
	mu         sync.Mutex
	uri        string
	path       string
	languageID string
	lang       *treesitter.Language // nil: plain text
	version    int32
	text       string
	starts     []int
	tree       *treesitter.Tree // nil when lang is nil or the text is too big to parse
}

func (b *buffer) setText(text string, maxParse int) {
	b.text = text
	b.starts = lineStarts(text)
	b.tree.Close()
	b.tree = nil
	if b.lang != nil && len(text) <= maxParse {
		b.tree, _ = treesitter.Parse(b.lang, []byte(text))
	}
}

// apply applies changes in order. Each change's range is read against the
// text the previous changes left, as the spec says. Ranges past the end are
// clamped; the returned error then says so, but the edit is kept so the
// server's copy follows the client's.
func (b *buffer) apply(changes []Change, enc Encoding, maxParse int) (edits []EditRecord, err error) {
	var clamped []string
	incremental := b.tree != nil
	edited := false // a ranged change touched the tree since it was last parsed
	for _, c := range changes {
		if c.Range == nil {
			if before := b.text; before != c.Text {
				edits = append(edits, EditRecord{Path: b.path, Before: before, After: c.Text, whole: true})
			}
			b.setText(c.Text, maxParse)
			// The fresh tree must follow the ranged changes after this one
			// in the same notification.
			incremental, edited = b.tree != nil, false
			continue
		}
		s, okS := offsetOf(b.text, b.starts, c.Range.Start, enc)
		e, okE := offsetOf(b.text, b.starts, c.Range.End, enc)
		if !okS || !okE {
			clamped = append(clamped, fmt.Sprintf("%d:%d-%d:%d", c.Range.Start.Line, c.Range.Start.Character, c.Range.End.Line, c.Range.End.Character))
		}
		if e < s {
			s, e = e, s
		}
		edits = append(edits, editRecord(b.path, b.text, b.starts, s, e, c.Text))
		startPt := point(b.text, b.starts, s)
		oldEndPt := point(b.text, b.starts, e)
		newText := b.text[:s] + c.Text + b.text[e:]
		b.text = newText
		b.starts = lineStarts(newText)
		if incremental {
			edited = true
			b.tree.Edit(treesitter.Edit{
				StartByte: uint32(s), OldEndByte: uint32(e), NewEndByte: uint32(s + len(c.Text)),
				StartPoint: startPt, OldEndPoint: oldEndPt, NewEndPoint: point(newText, b.starts, s+len(c.Text)),
			})
		}
	}
	switch {
	case b.lang == nil:
	case len(b.text) > maxParse:
		b.tree.Close()
		b.tree = nil
	case incremental && !edited:
		// the tree was parsed from the text as it is
	case incremental:
		nt, perr := b.tree.Reparse([]byte(b.text))
		if perr != nil {
			b.tree.Close()
			nt, _ = treesitter.Parse(b.lang, []byte(b.text))
		}
		b.tree = nt
	case b.tree == nil:
		b.tree, _ = treesitter.Parse(b.lang, []byte(b.text))
	}
	if len(clamped) > 0 {
		err = fmt.Errorf("%s: edit range past the end of the document, clamped: %s", b.uri, strings.Join(clamped, ", "))
	}
	return edits, err
}

func point(text string, starts []int, off int) treesitter.Point {
	l := searchLine(starts, off)
	return treesitter.Point{Row: uint32(l), Column: uint32(off - starts[l])}
}
