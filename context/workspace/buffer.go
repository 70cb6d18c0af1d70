package workspace

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/inkling-ls/inkling/treesitter"
)

// Change is one LSP content change. A nil Range replaces the whole text.
type Change struct {
	Range *Range
	Text  string
}

// buffer is one open document. Its mutex guards the fields below and is
// never held across a parse: an edit only records where the text changed,
// and the tree catches up later, off the read loop (see treeFor). Parsing
// while editing would stall every later message: with an unclosed brace,
// tree-sitter's error recovery can take hundreds of milliseconds on a large
// file.
type buffer struct {
	mu         sync.Mutex
	uri        string
	path       string
	languageID string
	lang       *treesitter.Language // nil: plain text
	version    int32
	text       string
	lines      lineIndex

	// base is a tree parsed from an earlier text; pending are the edits
	// made since, in order. base is never edited in place: edits are
	// applied to a copy, so other goroutines may hold copies of it.
	base    *treesitter.Tree
	pending []treesitter.Edit
	gen     int // bumped whenever base is replaced or dropped

	// keep says the buffer is among the most recently used, whose trees
	// are kept and kept current (see Workspace.MaxTrees). Written under
	// the workspace's lock, read anywhere.
	keep atomic.Bool
}

func (b *buffer) setText(text string) {
	b.text = text
	b.lines = newLineIndex(text)
	b.dropTree()
}

func (b *buffer) dropTree() {
	b.base.Close()
	b.base = nil
	b.pending = nil
	b.gen++
}

// apply applies changes in order. Each change's range is read against the
// text the previous changes left, as the spec says. Ranges past the end are
// clamped; the returned error then says so, but the edit is kept so the
// server's copy follows the client's.
func (b *buffer) apply(changes []Change, enc Encoding) (edits []EditRecord, err error) {
	var clamped []string
	for _, c := range changes {
		if c.Range == nil {
			if before := b.text; before != c.Text {
				edits = append(edits, EditRecord{Path: b.path, Before: before, After: c.Text, whole: true})
			}
			b.setText(c.Text)
			continue
		}
		s, okS := offsetOf(b.text, b.lines, c.Range.Start, enc)
		e, okE := offsetOf(b.text, b.lines, c.Range.End, enc)
		if !okS || !okE {
			clamped = append(clamped, fmt.Sprintf("%d:%d-%d:%d", c.Range.Start.Line, c.Range.Start.Character, c.Range.End.Line, c.Range.End.Character))
		}
		if e < s {
			s, e = e, s
		}
		edits = append(edits, editRecord(b.path, b.text, b.lines, s, e, c.Text))
		startPt := point(b.text, b.lines, s)
		oldEndPt := point(b.text, b.lines, e)
		newText := b.text[:s] + c.Text + b.text[e:]
		b.lines = b.lines.splice(newText, s, e, len(c.Text))
		b.text = newText
		// Recorded even with no base: a first parse in flight read an
		// earlier text, and becomes the base with the edits made since
		// applied to it (see treeFor), instead of being thrown away and
		// started over at every key of a fast typist.
		if b.base == nil && len(b.pending) >= maxPendingWithoutBase {
			b.pending = nil
			b.gen++ // the parse in flight can no longer be caught up
		}
		b.pending = append(b.pending, treesitter.Edit{
			StartByte: uint32(s), OldEndByte: uint32(e), NewEndByte: uint32(s + len(c.Text)),
			StartPoint: startPt, OldEndPoint: oldEndPt, NewEndPoint: point(newText, b.lines, s+len(c.Text)),
		})
	}
	if len(clamped) > 0 {
		err = fmt.Errorf("%s: edit range past the end of the document, clamped: %s", b.uri, strings.Join(clamped, ", "))
	}
	return edits, err
}

// dirty says whether the tree lags behind the text.
// maxPendingWithoutBase bounds the edits kept for a buffer that has no tree
// yet (one never parsed, or whose tree was dropped): they only serve a
// first parse in flight.
const maxPendingWithoutBase = 1024

func (b *buffer) dirty(maxParse int) bool {
	return b.lang != nil && len(b.text) <= maxParse && (b.base == nil || len(b.pending) > 0)
}

// treeFor returns a tree for the buffer's current text (the caller owns it)
// together with that text, parsing incrementally from base if the tree
// lags. want, when not "", asks for the tree of exactly that text: if the
// buffer has moved on, it returns nil. The parse runs without the lock, so
// edits are applied meanwhile; the new tree becomes the base unless
// another caller installed a newer one first.
func (b *buffer) treeFor(want string, useWant bool, maxParse int) (*treesitter.Tree, snapState) {
	b.mu.Lock()
	st := b.stateLocked()
	if useWant && b.text != want {
		b.mu.Unlock()
		return nil, st
	}
	if b.lang == nil || len(b.text) > maxParse {
		b.mu.Unlock()
		return nil, st
	}
	if b.base != nil && len(b.pending) == 0 {
		t := b.base.Copy()
		b.mu.Unlock()
		return t, st
	}
	gen, n := b.gen, len(b.pending)
	var work *treesitter.Tree
	var edits []treesitter.Edit
	if b.base != nil {
		work = b.base.Copy()
		edits = append(edits, b.pending...)
	}
	lang := b.lang
	b.mu.Unlock()
	if testHookParse != nil {
		testHookParse()
	}

	src := []byte(st.text)
	var nt *treesitter.Tree
	var err error
	if work != nil {
		for _, e := range edits {
			work.Edit(e)
		}
		if nt, err = work.Reparse(src); err != nil {
			work.Close()
			nt = nil
		}
	}
	if nt == nil {
		if nt, err = treesitter.Parse(lang, src); err != nil {
			return nil, st
		}
	}

	b.mu.Lock()
	if b.gen == gen && len(b.pending) >= n && b.keep.Load() {
		b.base.Close()
		b.base = nt.Copy()
		b.pending = append([]treesitter.Edit(nil), b.pending[n:]...)
		b.gen++
	}
	b.mu.Unlock()
	return nt, st
}

// treeNow returns a tree for text without waiting for a parse when the
// buffer has one: the last parsed tree with the edits made since applied
// to it. Its nodes sit at the right places for the current text, but what
// was typed since that parse is not yet in its structure. A reparse after
// a brace is opened in a large file can take hundreds of milliseconds of
// error recovery; a completion must not wait for it, and the background
// loop brings the tree up to date for the requests after. With no tree
// yet, a small text is parsed here; a large one gets no tree until the
// background parse lands (nil): a completion request in every goroutine
// parsing 10,000 broken lines at once took seconds on two cores.
func (b *buffer) treeNow(want string, maxParse int) *treesitter.Tree {
	b.mu.Lock()
	if b.text != want {
		b.mu.Unlock()
		return nil
	}
	if b.base == nil {
		b.mu.Unlock()
		if len(want) > maxSyncParse {
			return nil
		}
		t, _ := b.treeFor(want, true, maxParse)
		return t
	}
	t := b.base.Copy()
	edits := b.pending[:len(b.pending):len(b.pending)]
	b.mu.Unlock()
	for _, e := range edits {
		t.Edit(e)
	}
	return t
}

// maxSyncParse is the largest text treeNow parses from scratch itself:
// about 1,000 lines of code, a couple of milliseconds.
const maxSyncParse = 32 << 10

// testHookParse, when set by a test, runs after treeFor has read the text
// and before it parses: edits made there race the parse deterministically.
var testHookParse func()

// snapState is what a snapshot copies from a buffer, taken under its lock.
type snapState struct {
	text    string
	lines   lineIndex
	version int32
}

func (b *buffer) stateLocked() snapState {
	return snapState{text: b.text, lines: b.lines, version: b.version}
}

func point(text string, lines lineIndex, off int) treesitter.Point {
	l := lines.search(off)
	return treesitter.Point{Row: uint32(l), Column: uint32(off - lines.at(l))}
}
