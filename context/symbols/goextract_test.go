package symbols

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inkling-ls/inkling/treesitter"
)

// viaTree is Extract by tree-sitter's tags query, for any language.
func viaTree(lang *treesitter.Language, path string, src []byte) *File {
	f := &File{Path: path, Dir: filepath.Dir(path), Test: IsTestPath(path), LanguageID: lang.ID, Refs: refsOf(src)}
	extractTree(f, lang, src, nil)
	return f
}

// comparable is what a File says, without pointers and memos.
func comparableFile(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %q\n", f.Package)
	for _, imp := range f.Imports {
		fmt.Fprintf(&b, "import %q %q\n", imp.Name, imp.Path)
	}
	for _, d := range f.Defs {
		fmt.Fprintf(&b, "%s %s in %q line %d [%d,%d] exported=%v iface=%v doc=%q closer=%q\n%s\n",
			d.Kind, d.Name(), d.Container(), d.Line, d.Start, d.End, d.Exported, d.InInterface, d.Doc(), d.Closer(), d.Sig())
	}
	return b.String()
}

// TestGoExtractMatchesTagsQuery: the go/parser extractor finds exactly the
// definitions, signatures, doc lines and imports the tree-sitter tags query
// does, on edge cases and on real code: this repository and a part of the
// standard library.
func TestGoExtractMatchesTagsQuery(t *testing.T) {
	lang := treesitter.Lookup("go", "a.go")
	check := func(name string, src []byte) bool {
		t.Helper()
		got := Extract(lang, "/w/p/"+filepath.Base(name), src, nil)
		want := viaTree(lang, "/w/p/"+filepath.Base(name), src)
		if d := cmp.Diff(comparableFile(want), comparableFile(got)); d != "" {
			t.Errorf("%s: go/parser and tags query differ (-tags +go/parser):\n%s", name, d)
			return false
		}
		return true
	}
	for i, src := range goCases {
		check(fmt.Sprintf("case%d.go", i), []byte(src))
	}

	roots := []string{"../.."}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		src := filepath.Join(strings.TrimSpace(string(out)), "src")
		roots = append(roots, filepath.Join(src, "net", "http"), filepath.Join(src, "go"), filepath.Join(src, "encoding"))
	}
	var files []string
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.Contains(p, "testdata") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 100 {
		t.Fatalf("only %d Go files found", len(files))
	}
	bad := 0
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !check(p, src) {
			bad++
		}
		if bad > 5 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("%d files compared", len(files))
}

// goCases are the shapes the query and go/ast see differently if either
// is careless.
var goCases = []string{
	// Line directives, as generated code (cgo, goyacc) carries: positions
	// are the file's own, not the ones the directives claim.
	`package p

//line gen.y:1000006
func f() {
	g()
}

/*line other.go:3:7*/ type T struct{ A int }

//line :12
var V = 1
`,
	`package p

import (
	"fmt"
	x "strings"
	_ "embed"
	. "os"
)

// T is.
type T struct {
	// A is.
	A, B int
	*Embedded
	pkg.Other ` + "`json:\"o\"`" + `
	C struct {
		D string
	}
}

type (
	I interface {
		fmt.Stringer
		M(a int) (int,
			error)
		int | ~string | Alias
	}
	Alias = T
	G[P any] struct{ v P }
)

func (t *T) Method() {
}

func (g G[P]) Get() P { return g.v }

func (g *G[P]) Set(v P) {
	g.v = v
}

func F(x struct{ Z int }) {
	type local struct{ L int }
	const c = 1
}

const (
	K1 = iota
	K2
)

const One, Two = 1, 2

var V1, V2 int

var v = func() int {
	type inLit struct{ Q int }
	return 0
}()

var (
	w1 int
	_  = fmt.Sprint
)

var anon struct {
	AF int
}

func external(a int) int
`,
	"package q\n\nfunc long(\n\ta int,\n\tb int,\n\tc int,\n\td int,\n\te int,\n\tf int,\n\tg int,\n\th int,\n) {\n}\n",
	"package q\n\n/* Block doc\n   more */\nfunc B() {}\n\n//go:noinline\nfunc N() {}\n",
}

// TestGoExtractFallsBack: a Go file go/parser rejects (saved mid-edit) is
// read by tree-sitter, which recovers: the definitions around the error
// are still found.
func TestGoExtractFallsBack(t *testing.T) {
	lang := treesitter.Lookup("go", "a.go")
	src := "package p\n\nimport \"strings\"\n\n// A does.\nfunc A() {\n\tx := \n}\n\nfunc B(s string) string { return strings.ToUpper(s) }\n"
	f := &File{Path: "/w/a.go"}
	if _, ok := goRaws(f, []byte(src)); ok {
		t.Fatal("go/parser accepted a file with a syntax error")
	}
	got := Extract(lang, "/w/a.go", []byte(src), nil)
	var names []string
	for i := range got.Defs {
		names = append(names, got.Defs[i].Name())
	}
	if !cmp.Equal(names, []string{"A", "B"}) || got.Package != "p" || len(got.Imports) != 1 {
		t.Fatalf("defs %v, package %q, imports %v", names, got.Package, got.Imports)
	}
	if d := got.Defs[0]; d.Doc() != "// A does." || d.Sig() != "func A()" {
		t.Fatalf("A: doc %q sig %q", d.Doc(), d.Sig())
	}
}

// BenchmarkExtractGo reads one Go file (this package's resolve.go) with
// each extractor.
func BenchmarkExtractGo(b *testing.B) {
	lang := treesitter.Lookup("go", "a.go")
	src, err := os.ReadFile("resolve.go")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("goparser", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Extract(lang, "/w/resolve.go", src, nil)
		}
	})
	b.Run("tags", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			viaTree(lang, "/w/resolve.go", src)
		}
	})
}
