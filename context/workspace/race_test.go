package workspace

import (
	"runtime"
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
