package local

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

// TestBracketsOutsideGo: in TypeScript the engine knows a parenthesis is
// open, and closes a callback's body with "})" though "}" alone ends most
// blocks it has seen; in C, whose preprocessor breaks the rule, it does
// not track brackets.
func TestBracketsOutsideGo(t *testing.T) {
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, "function check%d(x: number) {\n  if (x > %d) {\n    work()\n  }\n  if (x < 0) {\n    work()\n  }\n}\n\n", i, i)
	}
	for i := range 3 {
		fmt.Fprintf(&b, "run%d(() => {\n  work()\n})\n\n", i)
	}
	e := New(Options{})
	e.Train("checks.ts", "typescript", b.String())
	prefix := "schedule(() => {\n  work()\n"
	got, _ := e.Suggest(provider.Prompt{Path: "app.ts", Language: "typescript", Prefix: prefix})
	if got != "})" {
		t.Errorf("after a callback's body: got %q, want %q", got, "})")
	}
	for _, c := range []struct {
		lang, path  string
		on, goRules bool
	}{
		{"go", "a.go", true, true},
		{"typescript", "a.ts", true, false},
		{"", "a.py", true, false},
		{"cpp", "a.cc", false, false},
		{"", "a.h", false, false},
		{"shellscript", "a.sh", false, false},
	} {
		if on, goRules := syntaxRules(c.lang, c.path); on != c.on || goRules != c.goRules {
			t.Errorf("syntaxRules(%q, %q) = %v, %v; want %v, %v", c.lang, c.path, on, goRules, c.on, c.goRules)
		}
	}
}
