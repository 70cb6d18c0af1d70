package symbols

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

// TestResolveDeterministic: the same query ranks the same definitions with
// the same scores every time, whatever order Go's maps hand out the
// evidence in (several sources often vouch for one definition).
func TestResolveDeterministic(t *testing.T) {
	x := NewIndex()
	paths, _ := filepath.Glob("*.go")
	var text, path string
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(p)
		x.Update(Extract(treesitter.Lookup("go", ""), abs, src, nil))
		if p == "resolve.go" {
			text, path = string(src), abs
		}
	}
	off := strings.Index(text, "func (x *Index) typesIn(")
	if off < 0 {
		t.Fatal("no cursor line in resolve.go")
	}
	q := Query{Path: path, LanguageID: "go", Text: text, Offset: off, Local: [2]int{off - 2000, off + 500}}
	first := x.Resolve(q, 0)
	if len(first) < 20 {
		t.Fatalf("only %d candidates", len(first))
	}
	for range 30 {
		got := x.Resolve(q, 0)
		if len(got) != len(first) {
			t.Fatalf("%d candidates, then %d", len(first), len(got))
		}
		for i := range got {
			if got[i].Def != first[i].Def || got[i].Score != first[i].Score {
				t.Fatalf("rank %d: %s %.6f, then %s %.6f", i, first[i].Def.Name(), first[i].Score, got[i].Def.Name(), got[i].Score)
			}
		}
	}
}
