package local

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

func TestDbgG(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(12))
	r := rand.New(rand.NewPCG(1, 2))
	ops := []string{"~", "@", "^", "%", "?", "#"}
	for i := range 4 {
		var b strings.Builder
		for j := range 30 {
			if r.IntN(3) == 0 {
				b.WriteString(ops[r.IntN(len(ops))])
			} else {
				fmt.Fprintf(&b, "w%dx%d ", i, j)
			}
			if r.IntN(8) == 0 {
				b.WriteString("\n\t")
			}
		}
		got, p := e.Suggest(provider.Prompt{Path: "junk.go", Language: "go", Prefix: b.String()})
		t.Logf("%q -> %q %.3f", b.String(), got, p)
	}
}
