package symbols

import (
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

// TestDocLine: the comment just above a definition is its doc; one
// separated from it by a blank line is not.
func TestDocLine(t *testing.T) {
	for _, c := range []struct{ id, path, src, name, want string }{
		{"go", "a.go", "package p\n\n// X does.\n// More.\nfunc X() {}\n", "X", "// X does."},
		{"go", "a.go", "package p\n\n// Unrelated.\n\nfunc X() {}\n", "X", ""},
		{"go", "a.go", "package p\n\ntype T struct {\n\t// A is.\n\tA int\n\tB int\n}\n", "A", "// A is."},
		{"go", "a.go", "package p\n\ntype T struct {\n\t// A is.\n\tA int\n\tB int\n}\n", "B", ""},
		{"rust", "a.rs", "/// x does.\nfn x() {}\n", "x", "/// x does."},
		{"rust", "a.rs", "// unrelated\n\nfn x() {}\n", "x", ""},
		{"ruby", "a.rb", "# x does.\ndef x\nend\n", "x", "# x does."},
		{"c", "a.c", "/* x does. */\nint x(void) { return 0; }\n", "x", "/* x does. */"},
		{"javascript", "a.js", "// x does.\nfunction x() {}\n", "x", "// x does."},
		{"java", "A.java", "class A {\n  // x does.\n  void x() {}\n}\n", "x", "// x does."},
	} {
		l := treesitter.Lookup(c.id, c.path)
		if l == nil {
			t.Fatalf("%s: no language", c.id)
		}
		f := Extract(l, c.path, []byte(c.src), nil)
		found := false
		for _, d := range f.Defs {
			if d.Name() == c.name {
				found = true
				if d.Doc() != c.want {
					t.Errorf("%s %q: Doc of %s = %q, want %q", c.id, c.src, c.name, d.Doc(), c.want)
				}
			}
		}
		if !found {
			t.Errorf("%s %q: no definition of %s", c.id, c.src, c.name)
		}
	}
}

func TestIsTestPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/w/a_test.go": true, "/w/a.go": false, "/w/test_a.py": true, "/w/a.py": false,
		"/w/conftest.py": true, "/w/a.test.ts": true, "/w/a.spec.js": true, "/w/a.ts": false,
		"/w/__tests__/a.js": true, "/w/tests/a.rs": true, "/w/src/FooTest.java": true,
		"/w/src/Foo.java": false, "/w/latest.go": false, "/w/contest/a.go": false, "/w/a_spec.rb": true,
	} {
		if got := IsTestPath(p); got != want {
			t.Errorf("IsTestPath(%q) = %v, want %v", p, got, want)
		}
	}
}
