package local

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

// accSrc repeats one idiom with a new name in every function: the
// workspace teaches where the name comes from, not what it is.
func accSrc(n int) string {
	var b strings.Builder
	b.WriteString("package kv\n")
	for i := range n {
		fmt.Fprintf(&b, "\nfunc f%d(xs []int) []int {\n\tvar acc%d []int\n\tfor _, v := range xs {\n\t\tacc%d = append(acc%d, v)\n\t}\n\treturn acc%d\n}\n", i, i, i, i, i)
	}
	return b.String()
}

// TestRefModelNamesNewIdentifier: after `total = append(` with a name
// the workspace never saw, the reference model knows the next token is
// the name just used, where the other models only know the old names
// (rank 0 is outside the top 10).
func TestRefModelNamesNewIdentifier(t *testing.T) {
	e := New(Options{})
	e.Train("acc.go", "go", accSrc(20))
	prefix := "package kv\n\nfunc g(xs []int) []int {\n\tvar total []int\n\tfor _, v := range xs {\n\t\ttotal = append("
	q := e.prepare(provider.Prompt{Path: "g.go", Language: "go", Prefix: prefix})
	want := e.vocab.intern([]string{"total"}, nil)[0]
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, c := e.mixFor(q)
	defer m.release()
	with := m.rank(&c, want, 10, nil)
	pWith, _ := m.prob(&c, want)

	plain := *m
	plain.tries[ref] = nil
	pc := c
	pc.n[ref] = [order]uint32{}
	without := plain.rank(&pc, want, 10, nil)
	pWithout, _ := plain.prob(&pc, want)
	t.Logf("rank %d p %.3f with the reference model; rank %d p %.3f without", with, pWith, without, pWithout)
	// The current file's own words ("xs", "_") may still come first.
	if with == 0 || (without != 0 && without <= with) || pWith <= 2*pWithout {
		t.Errorf("p(total) %.3f (rank %d) with the reference model, %.3f (rank %d) without: want a better rank and well above", pWith, with, pWithout, without)
	}
}

// TestRefModelForget: retraining and forgetting a file undo its counts
// in the reference model too.
func TestRefModelForget(t *testing.T) {
	e := New(Options{})
	e.Train("a.go", "go", accSrc(3))
	e.Train("a.go", "go", accSrc(2))
	one := New(Options{})
	one.Train("a.go", "go", accSrc(2))
	if a, b := e.gref.root.seen, one.gref.root.seen; a != b || a == 0 {
		t.Errorf("retrained file: reference root count %d, want %d", a, b)
	}
	e.Forget("a.go")
	if e.gref.root.seen != 0 || e.gref.root.bo != 0 {
		t.Errorf("after Forget: reference root %+v", e.gref.root)
	}
}

func TestPushRecent(t *testing.T) {
	r := [nRecent]uint32{1, 2, 3}
	for _, c := range []struct {
		w    uint32
		want [nRecent]uint32
	}{
		{3, [nRecent]uint32{3, 1, 2}},
		{3, [nRecent]uint32{3, 1, 2}},
		{9, [nRecent]uint32{9, 3, 1, 2}},
	} {
		if r = pushRecent(r, c.w); r != c.want {
			t.Errorf("after %d: %v, want %v", c.w, r, c.want)
		}
	}
}
