package retrieve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/inkling-ls/inkling/context/symbols"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
	"github.com/inkling-ls/inkling/treesitter"
)

// TestCases runs testdata/context/*.txtar and this package's
// testdata/*.txtar. Each archive is a workspace; the file holding "<|>" is
// the open buffer with the cursor there. Every line of "want" must appear
// in the gathered snippets and no line of "wantnot".
func TestCases(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/context/*.txtar")
	more, _ := filepath.Glob("testdata/*.txtar")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			var want, wantNot []string
			var cur, text string
			for _, f := range ar.Files {
				switch f.Name {
				case "want":
					want = lines(string(f.Data))
					continue
				case "wantnot":
					wantNot = lines(string(f.Data))
					continue
				}
				p := filepath.Join(root, filepath.FromSlash(f.Name))
				data := string(f.Data)
				if strings.Contains(data, "<|>") {
					cur, text = p, data
					data = strings.Replace(data, "<|>", "", 1)
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if cur == "" {
				t.Fatal("no <|> cursor")
			}
			ws := workspace.New(root)
			r := New(ws, Options{})
			defer r.Close()
			r.IndexRoots([]string{root})
			r.WaitIndexed()

			off := strings.Index(text, "<|>")
			text = strings.Replace(text, "<|>", "", 1)
			lang := treesitter.Lookup("", cur)
			uri := workspace.URIOf(cur)
			ws.Open(uri, lang.ID, 1, text)
			snap, err := ws.Snapshot(uri, true)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			got := r.Gather(context.Background(), Request{Snapshot: snap, Offset: off, Local: [2]int{off, off}, Budget: 400, Deadline: time.Now().Add(5 * time.Second)})
			var all strings.Builder
			for _, s := range got {
				all.WriteString(s.Text + "\n")
			}
			for _, w := range want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("missing %q in:\n%s", w, dump(got))
				}
			}
			for _, w := range wantNot {
				if strings.Contains(all.String(), w) {
					t.Errorf("unexpected %q in:\n%s", w, dump(got))
				}
			}
		})
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func dump(ss []Snippet) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("// " + s.Kind + " " + s.Path + "\n" + s.Text + "\n")
	}
	return b.String()
}

// TestBudgetAndOrder: the snippets fit the budget with their headers, are
// in the stable order, and the same request gives the same snippets.
func TestBudgetAndOrder(t *testing.T) {
	r, ws, cur, text := setup(t, 30, 5)
	snap, err := ws.Snapshot(workspace.URIOf(cur), true)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	off := strings.Index(text, "\ty := ") + 1
	for _, budget := range []int{64, 256, 1024} {
		req := Request{Snapshot: snap, Offset: off, Local: [2]int{max(off-2000, 0), off + 300}, Budget: budget, Deadline: time.Now().Add(10 * time.Second)}
		a := r.Gather(context.Background(), req)
		b := r.Gather(context.Background(), req)
		if dump(a) != dump(b) {
			t.Errorf("budget %d: two gatherings differ", budget)
		}
		if len(a) == 0 {
			t.Errorf("budget %d: nothing gathered", budget)
		}
		used := 0
		for i, s := range a {
			used += headerTokens(s.Path) + tokens.Count(s.Text) + 1
			if i > 0 {
				p := a[i-1]
				if kindOrder[p.Kind] > kindOrder[s.Kind] || (p.Kind == s.Kind && p.Path > s.Path) {
					t.Errorf("budget %d: %s %s before %s %s", budget, p.Kind, p.Path, s.Kind, s.Path)
				}
			}
			if strings.Contains(text[req.Local[0]:req.Local[1]], s.Text) && s.Kind != KindDefinition {
				t.Errorf("budget %d: snippet repeats the local window: %q", budget, s.Text)
			}
		}
		// Line-by-line costs may differ from the whole text's by a token
		// per line at the seams; the budget holds with that slack.
		if used > budget+budget/20 {
			t.Errorf("budget %d: used %d tokens", budget, used)
		}
	}
}

// TestDeadline: a deadline already past returns at once, without the
// sources, and leaves nothing running that touches the closed snapshot.
func TestDeadline(t *testing.T) {
	r, ws, cur, text := setup(t, 5, 5)
	snap, err := ws.Snapshot(workspace.URIOf(cur), true)
	if err != nil {
		t.Fatal(err)
	}
	off := len(text) / 2
	got := r.Gather(context.Background(), Request{Snapshot: snap, Offset: off, Local: [2]int{off, off}, Budget: 500, Deadline: time.Now().Add(-time.Second)})
	snap.Close() // a source still running must hold its own tree copy
	for _, s := range got {
		if s.Kind == KindDefinition || s.Kind == KindNeighbor {
			t.Errorf("past deadline, got a %s snippet", s.Kind)
		}
	}
	time.Sleep(50 * time.Millisecond) // let the late sources finish under -race
}

// TestIncremental: a saved file's definitions appear, a deleted file's go,
// an excluded file is never indexed.
func TestIncremental(t *testing.T) {
	root := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.go", "package m\n\nfunc Alpha() {}\n")
	r := New(workspace.New(root), Options{})
	defer r.Close()
	r.IndexRoots([]string{root})
	r.WaitIndexed()
	if len(r.Index().Named("Alpha")) != 1 {
		t.Fatal("Alpha not indexed")
	}
	b := write("b.go", "package m\n\nfunc Beta() {}\n")
	r.Update(b)
	if len(r.Index().Named("Beta")) != 1 {
		t.Error("Beta not indexed after save")
	}
	write("a.go", "package m\n\nfunc Gamma() {}\n")
	r.Update(a)
	if len(r.Index().Named("Alpha")) != 0 || len(r.Index().Named("Gamma")) != 1 {
		t.Error("a.go not re-indexed")
	}
	os.Remove(b)
	r.Update(b)
	if len(r.Index().Named("Beta")) != 0 {
		t.Error("deleted b.go still indexed")
	}
	k := write("secret.key", "x")
	r.Update(k)
	e := write(".env.go", "package m\n\nfunc Secret() {}\n")
	r.Update(e)
	if len(r.Index().Named("Secret")) != 0 {
		t.Error("an excluded file was indexed")
	}
	// In the background: FileChanged returns at once and the updater
	// catches up.
	write("c.go", "package m\n\nfunc Delta() {}\n")
	r.FileChanged(filepath.Join(root, "c.go"))
	deadline := time.Now().Add(5 * time.Second)
	for len(r.Index().Named("Delta")) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(r.Index().Named("Delta")) != 1 {
		t.Error("FileChanged never indexed c.go")
	}
}

// TestIgnoreFileChangeIsSeenAtOnce: after FileChanged of an .inklingignore
// (what didSave and didChangeWatchedFiles call), the very next Excluded
// uses the new rules, without waiting for the background updater.
func TestIgnoreFileChangeIsSeenAtOnce(t *testing.T) {
	root := t.TempDir()
	ign := filepath.Join(root, workspace.IgnoreFile)
	src := filepath.Join(root, "plan.go")
	for p, s := range map[string]string{ign: "other.go\n", src: "package p\n"} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := New(workspace.New(root), Options{})
	defer r.Close()
	r.IndexRoots([]string{root})
	r.WaitIndexed()
	if r.Excluded(src) {
		t.Fatal("plan.go excluded before the change")
	}
	if err := os.WriteFile(ign, []byte("plan.go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.FileChanged(ign)
	if !r.Excluded(src) {
		t.Fatal("plan.go not excluded right after .inklingignore changed")
	}
	if err := os.Remove(ign); err != nil {
		t.Fatal(err)
	}
	r.FileDeleted(ign)
	if r.Excluded(src) {
		t.Fatal("plan.go still excluded after .inklingignore was deleted")
	}
}

// TestParserPanicLeavesFileOut: a file whose definitions cannot be read
// (the parser panics on it) is left out and reported; the other files
// are indexed and the process goes on.
func TestParserPanicLeavesFileOut(t *testing.T) {
	root := t.TempDir()
	for name, src := range map[string]string{
		"good.go": "package m\n\nfunc Good() {}\n",
		"bad.go":  "package m\n\nfunc Bad() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real := extractDefs
	defer func() { extractDefs = real }()
	extractDefs = func(lang *treesitter.Language, path string, src []byte, tree *treesitter.Tree) *symbols.File {
		if filepath.Base(path) == "bad.go" {
			panic("invalid line number 1000006")
		}
		return real(lang, path, src, tree)
	}
	var mu sync.Mutex
	var reported []error
	r := New(workspace.New(root), Options{OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	defer r.Close()
	r.IndexRoots([]string{root})
	r.WaitIndexed()
	if len(r.Index().Named("Good")) != 1 || len(r.Index().Named("Bad")) != 0 {
		t.Errorf("Good indexed %d times, Bad %d; want 1 and 0", len(r.Index().Named("Good")), len(r.Index().Named("Bad")))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), "bad.go") || !strings.Contains(reported[0].Error(), "1000006") {
		t.Errorf("reported %v, want the one panic naming bad.go", reported)
	}
}
