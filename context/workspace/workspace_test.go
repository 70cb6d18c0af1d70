package workspace

import (
	"errors"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

func TestChangeKeepsTreeEqualToFreshParse(t *testing.T) {
	w := New()
	uri := "file:///x/a.go"
	w.Open(uri, "go", 1, "package a\n\nfunc f() {\n}\n")
	steps := []Change{
		{Range: &Range{Position{3, 0}, Position{3, 0}}, Text: "\treturn\n"},
		{Range: &Range{Position{3, 7}, Position{3, 7}}, Text: " // 😀 done"},
		{Range: &Range{Position{0, 8}, Position{0, 9}}, Text: "bb"},
	}
	for i, c := range steps {
		if err := w.Change(uri, int32(i+2), []Change{c}, UTF16); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := w.Snapshot(uri, true)
	defer s.Close()
	want := "package bb\n\nfunc f() {\n\treturn // 😀 done\n}\n"
	if s.Text != want {
		t.Fatalf("text = %q", s.Text)
	}
	fresh, _ := treesitter.Parse(s.Language, []byte(s.Text))
	defer fresh.Close()
	if s.Tree.Root().String() != fresh.Root().String() {
		t.Fatalf("incremental tree differs from fresh parse")
	}
}

func TestBadInput(t *testing.T) {
	w := New()
	if err := w.Change("file:///nope", 1, nil, UTF16); !errors.Is(err, ErrUnknownDocument) {
		t.Fatalf("unknown doc: %v", err)
	}
	w.Open("file:///a.txt", "plaintext", 5, "abc")
	if err := w.Change("file:///a.txt", 3, []Change{{Text: "x"}}, UTF16); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("old version accepted: %v", err)
	}
	err := w.Change("file:///a.txt", 6, []Change{{Range: &Range{Position{7, 0}, Position{9, 9}}, Text: "!"}}, UTF16)
	if err == nil || !strings.Contains(err.Error(), "clamped") {
		t.Fatalf("out of range edit: %v", err)
	}
	s, _ := w.Snapshot("file:///a.txt", false)
	if s.Text != "abc!" {
		t.Fatalf("text = %q", s.Text)
	}
	if s.Language != nil {
		t.Fatal("plaintext got a grammar")
	}
}

func TestRecencyAndEditLog(t *testing.T) {
	w := New()
	w.Open("file:///a.go", "go", 1, "package a\n")
	w.Open("file:///b.go", "go", 1, "package b\n")
	w.Focus("file:///a.go")
	bs := w.Buffers()
	if bs[0].URI != "file:///a.go" || bs[1].URI != "file:///b.go" {
		t.Fatalf("order %s %s", bs[0].URI, bs[1].URI)
	}
	for i, ch := range "var x" {
		r := Range{Position{1, i}, Position{1, i}}
		if err := w.Change("file:///b.go", int32(i+2), []Change{{Range: &r, Text: string(ch)}}, UTF16); err != nil {
			t.Fatal(err)
		}
	}
	edits := w.RecentEdits()
	if len(edits) != 1 || edits[0].After != "var x" || edits[0].Before != "" {
		t.Fatalf("edits = %+v", edits)
	}
	if err := w.Close("file:///a.go"); err != nil {
		t.Fatal(err)
	}
	if len(w.Buffers()) != 1 {
		t.Fatal("close did not remove")
	}
}

func TestPathURI(t *testing.T) {
	if p := PathOf("file:///tmp/a%20b/c.go"); p != "/tmp/a b/c.go" {
		t.Fatal(p)
	}
	if u := URIOf("/tmp/a b/c.go"); u != "file:///tmp/a%20b/c.go" {
		t.Fatal(u)
	}
	if p := PathOf("untitled:Untitled-1"); p != "untitled:Untitled-1" {
		t.Fatal(p)
	}
}
