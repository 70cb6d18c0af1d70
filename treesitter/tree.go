package treesitter

import (
	"context"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// Point is a position in a source as tree-sitter counts it: zero-based row
// and byte column.
type Point = sitter.Point

// Node is a syntax node. A Node is valid only while its Tree is open.
type Node = sitter.Node

// Edit describes one text change in byte offsets and points, before and after.
type Edit struct {
	StartByte, OldEndByte, NewEndByte    uint32
	StartPoint, OldEndPoint, NewEndPoint Point
}

// Tree is a parsed source. It is owned by one goroutine at a time; hand
// another goroutine a Copy. Close it when done: its memory is C memory.
type Tree struct {
	lang *Language
	t    *sitter.Tree
}

// parsers keeps one parser per language per idle goroutine: a TSParser is
// not safe for concurrent use, and creating one per parse is wasteful.
var parsers sync.Map // *Language -> *sync.Pool

func parserFor(l *Language) (*sitter.Parser, func()) {
	v, _ := parsers.LoadOrStore(l, &sync.Pool{New: func() any {
		p := sitter.NewParser()
		p.SetLanguage(l.sitter())
		return p
	}})
	pool := v.(*sync.Pool)
	p := pool.Get().(*sitter.Parser)
	return p, func() { pool.Put(p) }
}

// Parse parses src from scratch.
func Parse(l *Language, src []byte) (*Tree, error) {
	return parse(l, nil, src)
}

func parse(l *Language, old *sitter.Tree, src []byte) (*Tree, error) {
	if l.serial {
		l.parsing.Lock()
		defer l.parsing.Unlock()
	}
	p, done := parserFor(l)
	// Never a cancellable context: smacker's cancellation can leave the
	// parser's flag set and fail every later parse.
	t, err := p.ParseCtx(context.Background(), old, src)
	if err != nil {
		// A parser that failed may be in a bad state; drop it.
		p.Close()
		return nil, err
	}
	done()
	return &Tree{lang: l, t: t}, nil
}

// Language is the tree's grammar.
func (t *Tree) Language() *Language { return t.lang }

// Root is the root node.
func (t *Tree) Root() *Node { return t.t.RootNode() }

// Edit records a change to the source. Node positions are stale until
// Reparse: call it once after the last Edit of a batch.
func (t *Tree) Edit(e Edit) {
	t.t.Edit(sitter.EditInput{
		StartIndex:  e.StartByte,
		OldEndIndex: e.OldEndByte,
		NewEndIndex: e.NewEndByte,
		StartPoint:  e.StartPoint,
		OldEndPoint: e.OldEndPoint,
		NewEndPoint: e.NewEndPoint,
	})
}

// Reparse parses the edited source again, reusing the unchanged parts, and
// returns the new tree. The old tree is closed.
func (t *Tree) Reparse(src []byte) (*Tree, error) {
	nt, err := parse(t.lang, t.t, src)
	if err != nil {
		return nil, err
	}
	t.Close()
	return nt, nil
}

// Copy returns an independent handle on the same tree (cheap: tree-sitter
// shares the nodes), for use on another goroutine.
func (t *Tree) Copy() *Tree { return &Tree{lang: t.lang, t: t.t.Copy()} }

// Close frees the tree. It is safe to call more than once.
func (t *Tree) Close() {
	if t == nil || t.t == nil {
		return
	}
	t.t.Close()
	t.t = nil
}

// NodeAt is the smallest named node that spans the points [start, end].
func (t *Tree) NodeAt(start, end Point) *Node {
	r := t.t.RootNode()
	n := r.NamedDescendantForPointRange(start, end)
	if n == nil {
		return r
	}
	return n
}
