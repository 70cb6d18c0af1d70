package symbols

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inkling-ls/inkling/treesitter"
)

// file builds an indexed Go file of one type with the given methods.
func file(path, typ string, methods ...string) *File {
	f := &File{Path: path, Dir: filepath.Dir(path), LanguageID: "go"}
	ds := []draft{{Name: typ, Kind: Type}}
	for _, m := range methods {
		ds = append(ds, draft{Name: m, Kind: Method, Container: typ})
	}
	f.Defs = pack(f, ds)
	return f
}

// where lists the files of defs, sorted.
func where(defs []*Def) []string {
	var out []string
	for _, d := range defs {
		out = append(out, d.File.Path+":"+d.Name())
	}
	sort.Strings(out)
	return out
}

func TestIndexUpdateRemove(t *testing.T) {
	x := NewIndex()
	for i := 0; i < 5; i++ {
		x.Update(file(fmt.Sprintf("/w/p/f%d.go", i), fmt.Sprintf("T%d", i), "String", "Close"))
	}
	held := x.Named("String") // a reader keeps this across the changes below
	heldCopy := append([]*Def(nil), held...)
	// The folder's name and member index, built now, must follow the
	// changes below.
	if got := where(x.NamedIn("/w/p", "Close")); len(got) != 5 {
		t.Fatalf("NamedIn(Close) before the changes = %v", got)
	}
	if got := where(x.Members("/w/p", "T2")); !cmp.Equal(got, []string{"/w/p/f2.go:Close", "/w/p/f2.go:String"}) {
		t.Fatalf("Members(T2) before the changes = %v", got)
	}

	// Replace f2 with a version that drops Close and adds Reset, remove f4.
	x.Update(file("/w/p/f2.go", "T2", "String", "Reset"))
	x.Remove("/w/p/f4.go")

	for i := range held {
		if held[i] != heldCopy[i] {
			t.Errorf("a slice a reader holds changed at %d: %s, was %s", i, where(held[i:i+1]), where(heldCopy[i:i+1]))
		}
	}
	checks := []struct {
		name string
		got  []*Def
		want []string
	}{
		{"Named(String)", x.Named("String"), []string{"/w/p/f0.go:String", "/w/p/f1.go:String", "/w/p/f2.go:String", "/w/p/f3.go:String"}},
		{"Named(Close)", x.Named("Close"), []string{"/w/p/f0.go:Close", "/w/p/f1.go:Close", "/w/p/f3.go:Close"}},
		{"Named(Reset)", x.Named("Reset"), []string{"/w/p/f2.go:Reset"}},
		{"Named(T4)", x.Named("T4"), nil},
		{"Types(T2)", x.Types("T2"), []string{"/w/p/f2.go:T2"}},
		{"Members(T2)", x.Members("/w/p", "T2"), []string{"/w/p/f2.go:Reset", "/w/p/f2.go:String"}},
		{"Members(T4)", x.Members("/w/p", "T4"), nil},
		{"NamedIn(Close)", x.NamedIn("/w/p", "Close"), []string{"/w/p/f0.go:Close", "/w/p/f1.go:Close", "/w/p/f3.go:Close"}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, where(c.got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if n := x.Len(); n != 4 {
		t.Errorf("Len = %d, want 4", n)
	}
	// Every defs entry of the surviving files is current: no stale Def
	// pointer of the old f2 is left.
	for _, d := range x.Named("String") {
		if x.File(d.File.Path) != d.File {
			t.Errorf("stale definition of %s left in the index", d.File.Path)
		}
	}
}

// BenchmarkIndexReplace replaces one file of a 5,000-file index whose
// method names recur across the workspace, the index half of a save.
func BenchmarkIndexReplace(b *testing.B) {
	x := NewIndex()
	methods := func(i int) []string {
		var ms []string
		for m := 0; m < 24; m++ {
			ms = append(ms, fmt.Sprintf("Step%d", (i*7+m*5)%40))
		}
		return ms
	}
	for i := 0; i < 5000; i++ {
		x.Update(file(fmt.Sprintf("/w/p%03d/f%02d.go", i/20, i%20), fmt.Sprintf("T%d", i), methods(i)...))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.Update(file("/w/p100/f07.go", "T2007", methods(2007)...))
	}
}

// TestIndexStaleBounded replaces a file many times with no read between:
// the lists must not keep growing with the entries of gone versions.
func TestIndexStaleBounded(t *testing.T) {
	x := NewIndex()
	x.Update(file("/w/p/a.go", "A", "String"))
	for i := 0; i < 10*maxStale; i++ {
		x.Update(file("/w/p/b.go", "B", "String"))
	}
	x.mu.RLock()
	n := len(x.byName["String"].defs)
	x.mu.RUnlock()
	if n > maxStale+2 {
		t.Errorf("String list holds %d entries for 2 live files", n)
	}
	if diff := cmp.Diff([]string{"/w/p/a.go:String", "/w/p/b.go:String"}, where(x.Named("String"))); diff != "" {
		t.Errorf("Named(String) (-want +got):\n%s", diff)
	}
}

// TestWarmCosts: the costs of the cursor's folder and its imports are
// memoised, and nothing else is touched.
func TestWarmCosts(t *testing.T) {
	goLang := treesitter.Lookup("go", "a.go")
	x := NewIndex()
	x.SetModule("example.com/m", "/w")
	srcs := map[string]string{
		"/w/a/a.go":  "package a\n\nimport \"example.com/m/b\"\n\nfunc A() b.T { return b.T{} }\n",
		"/w/a/a2.go": "package a\n\nfunc A2() {}\n",
		"/w/b/b.go":  "package b\n\ntype T struct{ N int }\n",
		"/w/c/c.go":  "package c\n\nfunc C() {}\n",
	}
	for p, s := range srcs {
		x.Update(Extract(goLang, p, []byte(s), nil))
	}
	x.WarmCosts("/w/a/a.go")
	for p := range srcs {
		want := p != "/w/c/c.go"
		for _, d := range x.File(p).Defs {
			if got := d.cost > 0; got != want {
				t.Errorf("%s %s: cost memoised = %v, want %v", p, d.Name(), got, want)
			}
		}
	}
}

// TestDirIndexFollowsChanges: a folder's name and member index, kept up to
// date by merging at each Update and Remove, stays what building it afresh
// gives, order included, through random changes.
func TestDirIndexFollowsChanges(t *testing.T) {
	x := NewIndex()
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"String", "Close", "Reset", "Len", "A", "Z"}
	randFile := func(path string) *File {
		var ms []string
		for _, n := range names {
			if rng.IntN(2) == 0 {
				ms = append(ms, n)
			}
		}
		return file(path, names[rng.IntN(len(names))], ms...)
	}
	dirs := []string{"/w/a", "/w/b"}
	show := func(ds []*Def) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.File.Path+":"+d.Name()+"/"+d.Container())
		}
		return out
	}
	for step := 0; step < 300; step++ {
		p := fmt.Sprintf("%s/f%d.go", dirs[rng.IntN(2)], rng.IntN(6))
		if rng.IntN(4) == 0 {
			x.Remove(p)
		} else {
			x.Update(randFile(p))
		}
		for _, dir := range dirs {
			x.NamedIn(dir, "String") // builds the folder's index when it has none
			x.mu.RLock()
			kept := x.dirs[dir]
			x.mu.RUnlock()
			x.mu.Lock()
			delete(x.dirs, dir)
			x.mu.Unlock()
			fresh := x.dirIndex(dir)
			if kept == nil || fresh == nil {
				if (kept == nil) != (fresh == nil) {
					t.Fatalf("step %d %s: kept %v, fresh %v", step, dir, kept, fresh)
				}
				continue
			}
			if d := cmp.Diff(show(fresh.byName), show(kept.byName)); d != "" {
				t.Fatalf("step %d %s: byName (-fresh +kept):\n%s", step, dir, d)
			}
			if d := cmp.Diff(show(fresh.byMember), show(kept.byMember)); d != "" {
				t.Fatalf("step %d %s: byMember (-fresh +kept):\n%s", step, dir, d)
			}
		}
	}
}

// TestPythonFromImportModule: from M import N binds N to the module M.N
// when there is one (from email import errors), and binds nothing when N
// is something M defines (from .globals import request).
func TestPythonFromImportModule(t *testing.T) {
	py := treesitter.Lookup("python", "")
	x := NewIndex()
	srcs := map[string]string{
		"/w/mail/errors.py":     "class MessageDefect(Exception):\n    pass\n",
		"/w/mail/globals.py":    "request = None\n",
		"/w/mail/feedparser.py": "from mail import errors\nfrom .globals import request\nfrom . import errors as errs\n",
	}
	for p, s := range srcs {
		x.Update(Extract(py, p, []byte(s), nil))
	}
	f := x.File("/w/mail/feedparser.py")
	bound := map[string][]string{}
	for _, imp := range f.Imports {
		if !imp.Member {
			continue
		}
		_, files := x.ResolveImport(f, imp)
		for _, g := range files {
			bound[imp.Name] = append(bound[imp.Name], g.Path)
		}
	}
	want := map[string][]string{"errors": {"/w/mail/errors.py"}, "errs": {"/w/mail/errors.py"}}
	if diff := cmp.Diff(want, bound); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
}

// TestStdModuleImports: with the standard library's own module open as the
// workspace (GOROOT/src, module std), "net/http" is its folder net/http;
// elsewhere an import without a dot in its first element is the standard
// library, which is not indexed.
func TestStdModuleImports(t *testing.T) {
	goLang := treesitter.Lookup("go", "a.go")
	x := NewIndex()
	x.SetModule("std", "/g/src")
	x.Update(Extract(goLang, "/g/src/net/http/status.go", []byte("package http\n\nconst StatusOK = 200\n"), nil))
	cgi := Extract(goLang, "/g/src/net/http/cgi/child.go", []byte("package cgi\n\nimport \"net/http\"\n\nvar s = http.StatusOK\n"), nil)
	x.Update(cgi)
	dirs, _ := x.ResolveImport(cgi, Import{Path: "net/http"})
	if diff := cmp.Diff([]string{"/g/src/net/http"}, dirs); diff != "" {
		t.Errorf("net/http in module std (-want +got):\n%s", diff)
	}
	y := NewIndex()
	y.SetModule("example.com/m", "/w")
	y.Update(Extract(goLang, "/w/net/http/h.go", []byte("package http\n"), nil))
	user := Extract(goLang, "/w/a/a.go", []byte("package a\n\nimport \"net/http\"\n"), nil)
	y.Update(user)
	if dirs, files := y.ResolveImport(user, Import{Path: "net/http"}); len(dirs)+len(files) != 0 {
		t.Errorf("net/http in a user's module resolved to %v %v, want the standard library (nothing)", dirs, files)
	}
}
