package local

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

// TestAbsFor: identifiers and literals are abstracted, keywords,
// punctuation and layout are not.
func TestAbsFor(t *testing.T) {
	e := New(Options{})
	ids := e.vocab.intern([]string{"rv", "if", "!=", `"x"`, "42", "_v2", "\n+"}, nil)
	abs := e.absFor(goSpec())
	want := []uint32{e.idSym, ids[1], ids[2], e.litSym, e.litSym, e.idSym, ids[6]}
	for i, id := range ids {
		if got := abs(id); got != want[i] {
			t.Errorf("abs(%q) = %d, want %d", e.vocab.strs[id], got, want[i])
		}
	}
	// Python's keywords are not Go's.
	if abs := e.absFor(pySpec()); abs(ids[1]) != ids[1] || abs(e.vocab.intern([]string{"def"}, nil)[0]) == e.idSym {
		t.Error("python keywords abstracted")
	}
}

// TestShapeModelGeneralises: a shape the file repeats with other names
// each time is predicted from the shape model's abstract contexts, where
// the plain models have never seen the names.
func TestShapeModelGeneralises(t *testing.T) {
	e := New(Options{})
	e.Train("other.go", "go", "package kv\n\nfunc f() int {\n\treturn 1 + 2\n}\n")
	prefix := "package kv\n\nfunc g() {\n" +
		"\tx1 := load(a)\n\tif x1 != nil {\n\t\tpanic(x1)\n\t}\n" +
		"\tx2 := read(b)\n\tif x2 != nil {\n\t\tpanic(x2)\n\t}\n" +
		"\tx3 := open(c)\n\tif x3 != nil {\n\t\tpanic(x3)\n\t}\n" +
		"\tx4 := seek(d)\n\tif x4 "
	q := e.prepare(provider.Prompt{Path: "t.go", Language: "go", Prefix: prefix})
	want := e.vocab.intern([]string{"!="}, nil)[0]
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, c := e.mixFor(q)
	defer m.release()
	with := m.rank(&c, want, 10, nil)
	pWith, _ := m.prob(&c, want)

	plain := *m
	plain.tries[shape] = nil
	pc := c
	pc.n[shape] = [order]uint32{}
	without := plain.rank(&pc, want, 10, nil)
	pWithout, _ := plain.prob(&pc, want)
	if with != 1 {
		t.Errorf("with the shape model %q ranks %d, want 1", "!=", with)
	}
	if pWith <= 2*pWithout {
		t.Errorf("p(!=) %.3f with the shape model, %.3f without: want it well above", pWith, pWithout)
	}
	t.Logf("rank %d p %.3f with the shape model; rank %d p %.3f without", with, pWith, without, pWithout)

	// And the line it completes is the repeated shape's.
	got, _ := e.suggestLocked(e.prepare(provider.Prompt{Path: "t.go", Language: "go", Prefix: prefix}), false)
	if got != "!= nil {" {
		t.Errorf("completion %q, want %q", got, "!= nil {")
	}
}

// TestDeclStart: the declaration cache starts at the last line at the
// top level.
func TestDeclStart(t *testing.T) {
	e := New(Options{})
	src := "package kv\n\nfunc f() {\n\tif x {\n\t\ty()\n\t}\n}\n\nfunc g() {\n\tz := 1\n\t"
	syms, _ := lexSymbols("go", "t.go", src)
	ids := e.vocab.intern(syms, nil)
	i := declStart(ids, e.isNL, e.vocab.strs)
	if got := strings.Join(syms[i:], " "); got != "\n\n func g ( ) { \n+ z := 1 \n" {
		t.Errorf("declaration %q", got)
	}
}

// TestReaderIsRequest: the evaluation's reader, which learns a file
// token by token, predicts what a request at the same point predicts:
// the figures measure the engine that serves completions.
func TestReaderIsRequest(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(6))
	text := "package kv\n\nfunc (s *Store) Put(key string) error {\n\tv, err := s.save(key)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n\nfunc (s *Store) Del(key string) error {\n\tv, err := s.drop(key)\n\t"
	ids, _ := e.encode("go", "t.go", text)
	q := e.prepare(provider.Prompt{Path: "t.go", Language: "go", Prefix: text})
	if !slices.Equal(q.prefix, ids) {
		t.Fatalf("prompt symbols differ from the file's")
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, c := e.mixFor(q)
	defer m.release()
	rd := e.newReader("t.go", len(ids))
	for _, w := range ids {
		rd.read(w)
	}
	for id := uint32(1); id < uint32(e.vocab.len()); id++ {
		p1, _ := m.prob(&c, id)
		p2, _ := rd.m.prob(&rd.c, id)
		if math.Abs(p1-p2) > 1e-12 {
			t.Fatalf("p(%q): %g for the request, %g for the reader", e.vocab.strs[id], p1, p2)
		}
	}
}
