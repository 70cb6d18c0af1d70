package workspace

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestExcludedFollowsIgnoreFileChanges: Excluded reads an .inklingignore
// once, keeps using what it read, and reads it again after it is told the
// file changed, was created or deleted — at the root and in a subfolder.
func TestExcludedFollowsIgnoreFileChanges(t *testing.T) {
	root := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(rel string) string { return filepath.Join(root, rel) }
	write(IgnoreFile, "secret.go\n")
	write("a/plan.go", "package a\n")
	write("secret.go", "package p\n")
	write("other.go", "package p\n")

	x := NewFileIndex(IndexOptions{})
	if err := x.Build(context.Background(), []string{root}, nil); err != nil {
		t.Fatal(err)
	}
	check := func(step string, want map[string]bool) {
		t.Helper()
		for rel, w := range want {
			if got := x.Excluded(at(rel)); got != w {
				t.Errorf("%s: Excluded(%s) = %v, want %v", step, rel, got, w)
			}
		}
	}
	check("start", map[string]bool{"secret.go": true, "other.go": false, "a/plan.go": false, "a/new.go": false})

	// Changed on disk, not yet notified: the cached rules still hold. That
	// is the cache at work: the file is not read on every call.
	write(IgnoreFile, "other.go\n")
	check("unnotified", map[string]bool{"secret.go": true, "other.go": false})

	// Saved (didSave / didChangeWatchedFiles reach Update).
	x.Update(at(IgnoreFile))
	check("saved", map[string]bool{"secret.go": false, "other.go": true})

	// A new ignore file in a subfolder, announced by a watched-file event;
	// it also covers a buffer that was never saved.
	write("a/"+IgnoreFile, "plan.go\nnew.go\n")
	check("a/ unnotified", map[string]bool{"a/plan.go": false})
	x.IgnoreFileChanged(at("a/" + IgnoreFile))
	check("a/ created", map[string]bool{"a/plan.go": true, "a/new.go": true, "other.go": true})

	// Deleted.
	if err := os.Remove(at("a/" + IgnoreFile)); err != nil {
		t.Fatal(err)
	}
	x.Remove(at("a/" + IgnoreFile))
	check("a/ deleted", map[string]bool{"a/plan.go": false, "other.go": true})

	// A new walk reads everything afresh.
	write(IgnoreFile, "*.go\n")
	if err := x.Build(context.Background(), []string{root}, nil); err != nil {
		t.Fatal(err)
	}
	check("rebuilt", map[string]bool{"secret.go": true, "other.go": true, "a/plan.go": true})
}

// BenchmarkExcluded is one Excluded call for a file four folders deep.
func BenchmarkExcluded(b *testing.B) {
	root := b.TempDir()
	p := filepath.Join(root, "a", "b", "c", "d", "x.go")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, IgnoreFile), []byte("secret/\n*.pem\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	x := NewFileIndex(IndexOptions{})
	if err := x.Build(context.Background(), []string{root}, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	// first: the rules just changed, so the verdict is worked out;
	// again: the verdict remembered, as for each later request.
	for _, again := range []bool{false, true} {
		name := map[bool]string{false: "first", true: "again"}[again]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if !again {
					x.rulesMu.Lock()
					x.rulesChangedLocked()
					x.rulesMu.Unlock()
				}
				if x.Excluded(p) {
					b.Fatal("excluded")
				}
			}
		})
	}
}
