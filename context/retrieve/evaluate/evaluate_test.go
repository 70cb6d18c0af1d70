package evaluate

import (
	"slices"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

func TestCodeOnly(t *testing.T) {
	for _, c := range []struct{ path, src, keep, drop string }{
		{"a.py", "def f():\n    \"\"\"Calls helper\n    twice.\"\"\"\n    return run(1)  # via runner\n", "run", "helper twice runner return def"},
		{"a.ts", "import { y } from './y';\n/**\n * Uses Scheduler\n * each time.\n */\nconst x = make('Scheduler'); // later\n", "make", "Uses Scheduler each later from import const"},
		{"a.go", "// Package p uses fmt.\npackage p\n\nvar s = `raw\nfmt`\nvar t = f(\"q\")\n", "f", "uses raw fmt q var"},
	} {
		got := codeOnly(c.src, treesitter.Lookup("", c.path))
		if strings.Count(got, "\n") != strings.Count(c.src, "\n") || len(got) != len(c.src) {
			t.Errorf("%s: lines or offsets moved:\n%s", c.path, got)
		}
		if !slices.Contains(strings.Fields(got), c.keep) {
			t.Errorf("%s: lost %q:\n%s", c.path, c.keep, got)
		}
		for _, w := range strings.Fields(c.drop) {
			if slices.Contains(strings.Fields(got), w) {
				t.Errorf("%s: kept %q from a comment or string:\n%s", c.path, w, got)
			}
		}
	}
}

func TestIsTest(t *testing.T) {
	for p, want := range map[string]bool{
		"pkg/a_test.go": true, "pkg/a.go": false, "src/a.spec.ts": true, "src/a.ts": false,
		"src/types.d.ts": true, "lib/tests/test_x.py": true, "lib/x.py": false, "__tests__/x.js": true,
	} {
		if got := isTest(p); got != want {
			t.Errorf("isTest(%q) = %v, want %v", p, got, want)
		}
	}
}
