package symbols

import (
	"fmt"
	"os"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

func TestDump(t *testing.T) {
	p := os.Getenv("DUMP")
	if p == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(p)
	f := Extract(treesitter.Lookup(os.Getenv("LANG_ID"), p), p, src, nil)
	fmt.Printf("pkg=%q imports=%v\n", f.Package, f.Imports)
	for _, d := range f.Defs {
		fmt.Printf("%s %s line=%d start=%d cont=%q exp=%v doc=%q closer=%q\n%s\n---\n", d.Kind, d.Name, d.Line, d.Start, d.Container, d.Exported, d.Doc, d.Closer, d.Sig)
	}
}
