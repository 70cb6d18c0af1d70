package workspace

import (
	"runtime"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

// TestEditDuringParse edits a document while a parse of its earlier text is
// in flight, with and without a base tree: the parse must not be installed
// as the tree of the edited text. (FuzzEditSequence found the first case in
// CI: the opening parse landed after an edit and was taken as current.)
func TestEditDuringParse(t *testing.T) {
	const uri = "file:///race/a.go"
	text := "package p\n\nfunc f() {\n\treturn\n}\n"
	for _, withBase := range []bool{false, true} {
		w := New()
		w.MaxParseBytes = DefaultMaxParseBytes
		w.Open(uri, "go", 1, text)
		waitReparsed(w) // the hook must not run on the background loop
		b := w.buffers[uri]
		b.mu.Lock()
		if !withBase {
			b.dropTree()
		}
		b.mu.Unlock()
		if withBase {
			tr, _ := b.treeFor("", false, w.MaxParseBytes)
			tr.Close()
		}
		r := Range{Position{3, 4}, Position{5, 0}}
		testHookParse = func() {
			testHookParse = nil
			if err := w.Change(uri, 2, []Change{{Range: &r, Text: "😀"}}, UTF16); err != nil {
				t.Error(err)
			}
		}
		// Ask for the old text's tree: the hook edits while it parses.
		old, _ := b.treeFor("", false, w.MaxParseBytes)
		old.Close()
		testHookParse = nil

		snap, err := w.Snapshot(uri, true)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := treesitter.Parse(snap.Tree.Language(), []byte(snap.Text))
		if err != nil {
			t.Fatal(err)
		}
		got, want := snap.Tree.Root().String(), fresh.Root().String()
		text := snap.Text
		snap.Close()
		fresh.Close()
		if got != want {
			t.Fatalf("base %v: tree of %q is\n%s\nwant\n%s", withBase, text, got, want)
		}
	}
}

func waitReparsed(w *Workspace) {
	for {
		w.mu.Lock()
		busy := w.reparsing
		w.mu.Unlock()
		if !busy {
			return
		}
		runtime.Gosched()
	}
}

// TestMaxTrees opens more buffers than keep a tree: only the most recently
// used hold one once the background parses settle, and a buffer beyond the
// limit still gives a correct tree when asked, and keeps one again once
// edited.
func TestMaxTrees(t *testing.T) {
	w := New()
	w.MaxTrees = 3
	uri := func(i int) string { return "file:///trees/f" + string(rune('a'+i)) + ".go" }
	for i := range 10 {
		w.Open(uri(i), "go", 1, "package p\n\nfunc f() int {\n\treturn "+string(rune('0'+i))+"\n}\n")
	}
	waitReparsed(w)
	held := func() (n int) {
		for _, b := range w.buffers {
			b.mu.Lock()
			if b.base != nil {
				n++
			}
			b.mu.Unlock()
		}
		return n
	}
	if n := held(); n > 3 {
		t.Fatalf("%d buffers hold a tree, want at most 3", n)
	}
	check := func(u string) {
		t.Helper()
		snap, err := w.Snapshot(u, true)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		if snap.Tree == nil {
			t.Fatalf("%s: no tree", u)
		}
		fresh, err := treesitter.Parse(snap.Tree.Language(), []byte(snap.Text))
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		if got, want := snap.Tree.Root().String(), fresh.Root().String(); got != want {
			t.Fatalf("%s: tree\n%s\nwant\n%s", u, got, want)
		}
	}
	check(uri(0)) // long evicted
	if n := held(); n > 3 {
		t.Fatalf("after a snapshot of an evicted buffer %d hold a tree", n)
	}
	r := Range{Position{3, 8}, Position{3, 8}}
	if err := w.Change(uri(0), 2, []Change{{Range: &r, Text: "1 + "}}, UTF16); err != nil {
		t.Fatal(err)
	}
	waitReparsed(w)
	w.buffers[uri(0)].mu.Lock()
	has := w.buffers[uri(0)].base != nil
	w.buffers[uri(0)].mu.Unlock()
	if !has {
		t.Error("an edited buffer did not get its tree back")
	}
	if n := held(); n > 3 {
		t.Fatalf("after an edit %d buffers hold a tree", n)
	}
	check(uri(0))
}

// TestTreeNow: with edits the tree has not caught up with, TreeNow gives
// the last tree with the edits applied to its positions, without parsing.
func TestTreeNow(t *testing.T) {
	const uri = "file:///now/a.go"
	w := New()
	w.Open(uri, "go", 1, "package p\n\nfunc f() {\n}\n\nfunc g() {}\n")
	waitReparsed(w)
	b := w.buffers[uri]
	r := Range{Position{2, 10}, Position{2, 10}}
	b.mu.Lock()
	// Applied without catchUp: the tree is left behind on purpose.
	if _, err := b.apply([]Change{{Range: &r, Text: "\n\tx := 1 +"}}, UTF16); err != nil {
		t.Fatal(err)
	}
	text := b.text
	b.mu.Unlock()
	if got := w.TreeNow(uri, "stale text"); got != nil {
		got.Close()
		t.Fatal("a tree for a text the buffer no longer has")
	}
	tr := w.TreeNow(uri, text)
	if tr == nil {
		t.Fatal("no tree")
	}
	defer tr.Close()
	root := tr.Root()
	if int(root.EndByte()) != len(text) {
		t.Errorf("root ends at %d, text is %d bytes", root.EndByte(), len(text))
	}
	g := root.NamedChild(int(root.NamedChildCount()) - 1)
	if want := strings.Index(text, "func g"); g.Type() != "function_declaration" || int(g.StartByte()) != want {
		t.Errorf("last declaration %s at %d, want function_declaration at %d", g.Type(), g.StartByte(), want)
	}
	b.mu.Lock()
	lag := len(b.pending)
	b.mu.Unlock()
	if lag == 0 {
		t.Error("TreeNow parsed: the buffer's tree caught up")
	}
}

// TestLazyTree: a lazy snapshot has no tree until asked; then it has the
// tree of its own text, the one TreeNow gives; a clone gets its own copy;
// once the buffer has moved on, an unasked snapshot gets none.
func TestLazyTree(t *testing.T) {
	const uri = "file:///lazy/a.go"
	w := New()
	w.Open(uri, "go", 1, "package p\n\nfunc f() {\n}\n")
	waitReparsed(w)

	s, err := w.Snapshot(uri, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w.LazyTree(s)
	if s.Tree != nil {
		t.Fatal("a lazy snapshot made its tree at once")
	}
	tr := s.SyntaxTree()
	if tr == nil || s.Tree != tr || int(tr.Root().EndByte()) != len(s.Text) {
		t.Fatalf("SyntaxTree = %v (snapshot's %v) for %d bytes", tr, s.Tree, len(s.Text))
	}
	c := s.Clone()
	if c.Tree == nil || c.Tree == tr {
		t.Errorf("clone's tree %p, the snapshot's %p: want a copy of its own", c.Tree, tr)
	}
	c.Close()
	if s.SyntaxTree() != tr {
		t.Error("a second call made another tree")
	}

	old, err := w.Snapshot(uri, false)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	w.LazyTree(old)
	r := Range{Position{3, 1}, Position{3, 1}}
	if err := w.Change(uri, 2, []Change{{Range: &r, Text: "\n"}}, UTF16); err != nil {
		t.Fatal(err)
	}
	if got := old.SyntaxTree(); got != nil {
		t.Error("a tree for a text the buffer no longer has")
	}
	if text := old.TextOnly(); text.Tree != nil || text.SyntaxTree() != nil || text.Text != old.Text {
		t.Error("TextOnly kept a tree")
	}
}
