package local

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

func TestPyBannedClauses(t *testing.T) {
	for _, c := range []struct {
		prefix string
		want   []string // banned
	}{
		{"if x:\n    a = 1\n", []string{"except", "finally"}},
		{"if x:\n    a = 1\n\n    # note\n    b = 2\n", []string{"except", "finally"}},
		{"for x in y:\n    a = 1\n", []string{"elif", "except", "finally"}},
		{"try:\n    a = 1\n", []string{"elif", "else"}},
		{"try:\n    a = 1\nexcept E:\n    pass\n", []string{"elif"}},
		{"def f():\n    a = 1\n", pyClauses},
		{"def f():\n    if x:\n        a = 1\n    ", []string{"except", "finally"}},
		{"def f():\n    if x:\n        a = 1\n    el", []string{"except", "finally"}},
		{"def f():\n    if x:\n        ", pyClauses}, // first line of a block
		{"x = a if b ", nil}, // mid-line: else is an expression there
		{"a = 1\n", pyClauses},
	} {
		if got := pyBannedClauses(c.prefix); !slices.Equal(got, c.want) {
			t.Errorf("pyBannedClauses(%q) = %v, want %v", c.prefix, got, c.want)
		}
	}
}

// pySrc has functions that each start with the same docstring and end in
// an if whose else is common, and loops.
func pySrc(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `def get%d(store, key):
    """Return the value under key.

    Raises KeyError when there is none.
    """
    value = store.load(key)
    if value is None:
        raise KeyError(key)
    else:
        return value


def each%d(store):
    for key in store.keys():
        store.touch(key)
    return store


`, i, i)
	}
	return b.String()
}

// TestPythonLineStarts: a line completion is one line, so a docstring the
// file repeats is not offered at a line's start; and "else:" is not
// offered where no statement could take it.
func TestPythonLineStarts(t *testing.T) {
	e := New(Options{})
	e.Train("store.py", "python", pySrc(12))
	for _, c := range []struct{ prefix, not string }{
		{"def put(store, key):\n    ", `"""`},
		{"def loop(store):\n    with store.lock():\n        raise KeyError(key)\n    ", "else"},
		{"def loop(store):\n    value = store.load(key)\n    ", "else"},
	} {
		got, _ := e.Suggest(provider.Prompt{Path: "put.py", Language: "python", Prefix: c.prefix})
		if strings.Contains(got, c.not) || strings.Contains(got, "\n") {
			t.Errorf("after %q: offered %q", c.prefix, got)
		}
	}
	// Where an if's block ends, else is the likeliest line, and offered.
	prefix := "def put(store, key):\n    value = store.load(key)\n    if value is None:\n        raise KeyError(key)\n    "
	if got, _ := e.Suggest(provider.Prompt{Path: "put.py", Language: "python", Prefix: prefix}); got != "else:" {
		t.Errorf("after an if's block: got %q, want %q", got, "else:")
	}
}
