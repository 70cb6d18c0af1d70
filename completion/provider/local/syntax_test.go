package local

import (
	"strings"
	"testing"
)

// TestSyntaxRules: after a Go prefix, the bracket state rules out the
// closers that do not match and the line breaks Go would turn into a
// misplaced semicolon, and nothing else.
func TestSyntaxRules(t *testing.T) {
	for _, c := range []struct {
		prefix  string
		allowed string // tokens that may come next, space-separated
		ruled   string // tokens that may not
	}{
		{"f(a, \"x\"", ") , .", "} ] \n \n+ \n-"},
		{"f(a,", "\n \n+ ) x", "} ]"},
		{"x := []int{1, 2", "} , \n \n-", ") ]"},
		{"a[i", "] + :", ") } \n"},
		{"import (\n\t\"fmt\"", "\n \n- )", "} ]"},
		{"var (\n\tx = 1", "\n )", "}"},
		{"func f() {\n\treturn", "\n \n- }", ") ]"},
		{"func f() {\n\tg(func() {\n\t\th()", "\n \n- }", ") ]"},
		{"package p\n\nvar x = 1", "\n \n\n", ") ] }"},
		{"f(x++", ") ,", "\n"},
		{"f(x +", "\n+ \n y", "} ]"},
	} {
		syms, _ := lexSymbols("go", "t.go", c.prefix)
		var y syntax
		for _, s := range syms {
			y = y.after(classify(s), s)
		}
		for _, s := range strings.Split(c.allowed, " ") {
			if !y.allows(classify(s), s) {
				t.Errorf("after %q: %q ruled out", c.prefix, s)
			}
		}
		for _, s := range strings.Split(c.ruled, " ") {
			if y.allows(classify(s), s) {
				t.Errorf("after %q: %q allowed", c.prefix, s)
			}
		}
	}
	// A prefix cut from a longer file may sit in brackets it never saw
	// open: closers are not ruled out there.
	y := syntax{unknown: true}
	if !y.allows(clClose, "}") {
		t.Errorf("closer ruled out after a cut prefix")
	}
}

// TestSyntaxAllowsRealCode: in real Go code every token is one the
// rules allow, so the rules never take probability from the truth.
func TestSyntaxAllowsRealCode(t *testing.T) {
	files := goCorpus(t)
	n := 0
	for _, f := range files {
		syms, _ := lexSymbols("go", f.path, f.text)
		var y syntax
		for i, s := range syms {
			cl := classify(s)
			if !y.allows(cl, s) {
				t.Fatalf("%s: symbol %d %q ruled out after %q", f.path, i, s, strings.Join(syms[max(0, i-12):i], " "))
			}
			y = y.after(cl, s)
			n++
		}
	}
	t.Logf("%d symbols of %d files allowed", n, len(files))
}
