package treesitter

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// luaLongBrackets is Lua full of what its external scanner reads: long
// strings and comments of several levels.
func luaLongBrackets(n int) string {
	var b strings.Builder
	for i := range n {
		eq := strings.Repeat("=", i%4)
		fmt.Fprintf(&b, "--[%s[ comment %d\n]] still ]%s]\nlocal s%d = [%s[text\n%d]%s]\nfunction M.f%d(x) return x .. s%d end\n", eq, i, eq, i, eq, i, eq, i, i)
	}
	return b.String()
}

// TestConcurrentParses: every grammar parses the same tree when parses run
// at once; the index and the background reparse do. (Lua's scanner keeps
// its state in C globals and, unserialised, lost most definitions.)
func TestConcurrentParses(t *testing.T) {
	srcs := map[string]string{
		"lua":    luaLongBrackets(60),
		"python": strings.Repeat("def f(x):\n    \"\"\"doc\n    more\"\"\"\n    return f'{x}'\n", 60),
		"ruby":   strings.Repeat("def f(x)\n  <<~EOS\n    #{x}\n  EOS\nend\n", 60),
		"go":     strings.Repeat("package p\nfunc f() string { return `raw\n` }\n", 60),
	}
	for id, src := range srcs {
		l := Lookup(id, "")
		tr, err := Parse(l, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		want := tr.Root().String()
		tr.Close()
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 25 {
					tr, err := Parse(l, []byte(src))
					if err != nil {
						t.Error(err)
						return
					}
					if tr.Root().String() != want {
						mu.Lock()
						bad++
						mu.Unlock()
					}
					tr.Close()
				}
			}()
		}
		wg.Wait()
		if bad > 0 {
			t.Errorf("%s: %d of 100 concurrent parses differ from the sequential one", id, bad)
		}
	}
}
