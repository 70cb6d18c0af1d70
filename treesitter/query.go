package treesitter

import (
	"fmt"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// Query is a compiled tree-sitter query for one language. Queries are
// compiled once and shared; cursors are per call.
type Query struct {
	lang *Language
	q    *sitter.Query
}

var queries sync.Map // queryKey -> *Query or error

type queryKey struct {
	lang *Language
	src  string
}

// CompileQuery compiles src for l, caching the result for the process's life.
func CompileQuery(l *Language, src string) (*Query, error) {
	k := queryKey{l, src}
	if v, ok := queries.Load(k); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*Query), nil
	}
	q, err := sitter.NewQuery([]byte(src), l.sitter())
	if err != nil {
		err = fmt.Errorf("treesitter: query for %s: %w", l.ID, err)
		queries.Store(k, err)
		return nil, err
	}
	v, _ := queries.LoadOrStore(k, &Query{lang: l, q: q})
	return v.(*Query), nil
}

// Capture is one captured node of a match.
type Capture struct {
	Name string
	Node *Node
}

// Match is one match of a query: its pattern index and its captures.
type Match struct {
	Pattern  int
	Captures []Capture
}

// Matches runs q over node (restricted to rows [startRow, endRow) when
// endRow > startRow) and calls fn for each match whose text predicates hold,
// until fn returns false.
func (q *Query) Matches(node *Node, src []byte, startRow, endRow uint32, fn func(Match) bool) {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	if endRow > startRow {
		qc.SetPointRange(Point{Row: startRow}, Point{Row: endRow})
	}
	qc.Exec(q.q, node)
	for {
		m, ok := qc.NextMatch()
		if !ok {
			return
		}
		m = qc.FilterPredicates(m, src)
		if len(m.Captures) == 0 {
			continue
		}
		out := Match{Pattern: int(m.PatternIndex), Captures: make([]Capture, len(m.Captures))}
		for i, c := range m.Captures {
			n := c.Node
			out.Captures[i] = Capture{Name: q.q.CaptureNameForId(c.Index), Node: n}
		}
		if !fn(out) {
			return
		}
	}
}
