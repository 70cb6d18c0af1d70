package workspace

import (
	"sync/atomic"
	"testing"
	"time"
)

// Every test of the package runs with blocks of 3 lines, so that edits,
// snapshots and position conversions all cross block boundaries.
func init() { lineBlockSize = 3 }

// TestReparseLoopStarts: an edit to a buffer with nothing to parse starts
// no reparse loop, and edits that come while the loop lingers are parsed
// by it rather than by a new loop (each is a new OS thread).
func TestReparseLoopStarts(t *testing.T) {
	var starts atomic.Int32
	w := New()
	w.onReparseLoop = func() { starts.Add(1) }
	w.linger = 5 * time.Second // longer than this test: one loop
	insert := func(uri string, v int32, line, char int, text string) {
		t.Helper()
		r := Range{Start: Position{line, char}, End: Position{line, char}}
		if err := w.Change(uri, v, []Change{{Range: &r, Text: text}}, UTF16); err != nil {
			t.Fatal(err)
		}
	}
	const txt = "file:///r/notes.txt"
	w.Open(txt, "plaintext", 1, "hello\n")
	insert(txt, 2, 0, 5, "!")
	if n := starts.Load(); n != 0 {
		t.Fatalf("plain text started %d reparse loops", n)
	}

	const src = "file:///r/a.go"
	w.Open(src, "go", 1, "package a\n\nfunc f() {\n}\n")
	current := func() bool {
		w.mu.Lock()
		b := w.buffers[src]
		w.mu.Unlock()
		b.mu.Lock()
		defer b.mu.Unlock()
		return !b.dirty(w.MaxParseBytes)
	}
	for i := range 3 {
		for deadline := time.Now().Add(10 * time.Second); !current(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("edit %d: the tree never caught up", i)
			}
		}
		insert(src, int32(i+2), 2, 10, "\n\tx := 1")
	}
	for deadline := time.Now().Add(10 * time.Second); !current(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the last edit was never parsed")
		}
	}
	if n := starts.Load(); n != 1 {
		t.Errorf("%d reparse loops for one burst of edits, want 1", n)
	}
}

// all is every line start, for tests.
func (x lineIndex) all() []int {
	out := make([]int, 0, x.total)
	for _, b := range x.blocks {
		for _, r := range b.rel {
			out = append(out, b.at+r)
		}
	}
	return out
}
