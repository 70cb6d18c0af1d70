package local

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

// storeSrc is a small corpus with a repeated idiom: every lookup returns
// nil and the error the same way.
func storeSrc(n int) string {
	var b strings.Builder
	b.WriteString("package kv\n\nimport \"fmt\"\n")
	for i := range n {
		fmt.Fprintf(&b, `
func (s *Store) Get%d(key string) ([]byte, error) {
	v, err := s.load%d(key)
	if err != nil {
		return nil, err
	}
	return v, nil
}
`, i, i)
	}
	return b.String()
}

func TestCompletesIdiom(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(12))
	prefix := "package kv\n\nfunc (s *Store) Put(key string) ([]byte, error) {\n\tv, err := s.save(key)\n\tif err != nil {\n\t\t"
	for _, c := range []struct {
		prefix    string
		multiline bool
		want      string
	}{
		{prefix, false, "return nil, err"},
		{prefix + "ret", false, "urn nil, err"},
		{prefix + "return nil,", false, " err"},
		{strings.TrimSuffix(prefix, "\n\t\t"), true, "\n\t\treturn nil, err\n\t}"},
	} {
		got, p := e.Suggest(provider.Prompt{Path: "put.go", Language: "go", Prefix: c.prefix, Multiline: c.multiline})
		if got != c.want {
			t.Errorf("after %q: got %q (p=%.2f), want %q", c.prefix[len(c.prefix)-12:], got, p, c.want)
		}
	}
}

// TestGibberishOffersNothing: after text unlike anything learnt, the
// engine offers nothing rather than a guess. (A cache model rightly
// repeats what it has seen once, so the test ends on a fresh word.)
func TestGibberishOffersNothing(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(12))
	r := rand.New(rand.NewPCG(1, 2))
	ops := []string{"~", "@", "^", "%", "?", "#"}
	offered := 0
	for i := range 50 {
		var b strings.Builder
		for j := range 30 {
			if r.IntN(3) == 0 {
				b.WriteString(ops[r.IntN(len(ops))])
			} else {
				fmt.Fprintf(&b, "w%dx%d ", i, j)
			}
			if r.IntN(8) == 0 {
				b.WriteString("\n\t")
			}
		}
		// The cursor follows a word never seen before.
		fmt.Fprintf(&b, "w%dend ", i)
		if got, _ := e.Suggest(provider.Prompt{Path: "junk.go", Language: "go", Prefix: b.String()}); got != "" {
			offered++
			t.Logf("offered %q", got)
		}
	}
	if offered > 0 {
		t.Errorf("offered %d suggestions after gibberish, want none", offered)
	}
}

// TestProbabilitiesSum checks that the mixed model is a distribution:
// summed over the whole vocabulary, p(w | context) is 1.
func TestProbabilitiesSum(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(6))
	e.Train("other.go", "go", "package kv\n\nfunc f() int {\n\treturn 1 + 2\n}\n")
	e.SetOpen("open.go", "package kv\n\nvar x = map[string]int{}\n")
	check := func(name string) {
		for _, prefix := range []string{"", "package kv\n\nfunc (s *Store) Get0(", "if err != nil {\n\t\treturn nil, ", "zzz unknown"} {
			q := e.prepare(provider.Prompt{Path: "t.go", Prefix: prefix})
			e.mu.RLock()
			m, c := e.mixFor(q)
			sum := 0.0
			for id := uint32(1); id < uint32(e.vocab.len()); id++ {
				p, _ := m.prob(&c, id)
				sum += p
			}
			// One more outcome: a symbol never seen, which no id names yet.
			p, _ := m.prob(&c, uint32(e.vocab.len()))
			sum += p
			e.mu.RUnlock()
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("%s: after %q: probabilities sum to %.9f", name, prefix, sum)
			}
		}
	}
	check("trained")
	e.global = e.global.prune(1)
	check("pruned")
}

func TestPruneKeepsWithinCap(t *testing.T) {
	src := storeSrc(400)
	big := New(Options{MaxBytes: 1 << 40})
	big.Train("store.go", "go", src)
	full := big.Stats().Bytes
	limit := full * 3 / 4
	e := New(Options{MaxBytes: limit, MaxFileBytes: 1 << 22})
	e.Train("store.go", "go", src)
	st := e.Stats()
	if st.Prunes == 0 || st.Bytes > limit {
		t.Fatalf("after training %d bytes of model under a %d cap: %+v", full, limit, st)
	}
	// Frequent n-grams survive: the idiom still completes.
	got, _ := e.Suggest(provider.Prompt{Path: "x.go", Prefix: "func f() error {\n\tif err != nil {\n\t\t"})
	if got != "return nil, err" {
		t.Errorf("after pruning: got %q", got)
	}
}

func TestForget(t *testing.T) {
	e := New(Options{})
	e.Train("a.go", "go", storeSrc(3))
	e.Train("a.go", "go", storeSrc(2)) // replaces, not adds
	one := New(Options{})
	one.Train("a.go", "go", storeSrc(2))
	if a, b := e.Stats().Tokens, one.Stats().Tokens; a != b {
		t.Errorf("retrained file: %d tokens, want %d", a, b)
	}
	if a, b := e.global.root.seen, one.global.root.seen; a != b {
		t.Errorf("retrained file: root count %d, want %d", a, b)
	}
	e.Forget("a.go")
	if st := e.Stats(); st.Tokens != 0 || st.Files != 0 || e.global.root.seen != 0 {
		t.Errorf("after Forget: %+v, root %+v", st, e.global.root)
	}
}

func TestOpenFilesCache(t *testing.T) {
	e := New(Options{})
	e.Train("other.go", "go", "package kv\n\nfunc f() int {\n\treturn 1\n}\n")
	prefix := "package kv\n\nfunc g() {\n\t"
	p := provider.Prompt{Path: "g.go", Language: "go", Prefix: prefix}
	if got, _ := e.Suggest(p); got == "logger.Infof(\"started %s\", name)" {
		t.Fatalf("suggested the open file's line before it was open")
	}
	open := "package kv\n\nfunc h() {\n\tlogger.Infof(\"started %s\", name)\n}\n\nfunc i() {\n\tlogger.Infof(\"started %s\", name)\n}\n"
	e.SetOpen("h.go", open)
	if got, _ := e.Suggest(p); got != `logger.Infof("started %s", name)` {
		t.Errorf("with h.go open: got %q", got)
	}
	e.SetOpen("h.go", "")
	if n := len(e.openSeq); n != 0 {
		t.Errorf("%d open files after closing", n)
	}
	// Context snippets act like open files for one request.
	p.Context = []provider.Snippet{{Path: "h.go", Text: open}}
	if got, _ := e.Suggest(p); got != `logger.Infof("started %s", name)` {
		t.Errorf("with h.go as a snippet: got %q", got)
	}
}

func TestCompleteProvider(t *testing.T) {
	var _ provider.Provider = (*Engine)(nil)
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(12))
	var got []string
	err := e.Complete(context.Background(), provider.Prompt{Path: "x.go", Prefix: "func f() error {\n\tif err != nil {\n\t\t"},
		func(s string) bool { got = append(got, s); return true })
	if err != nil || len(got) != 1 || got[0] != "return nil, err" {
		t.Errorf("Complete: %q, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Complete(ctx, provider.Prompt{}, func(string) bool { return true }); err != context.Canceled {
		t.Errorf("cancelled Complete: %v", err)
	}
	// Inside a string or a comment the engine stays quiet.
	for _, prefix := range []string{"x := \"ret", "// if err != nil {\n\t// ret"} {
		if s, _ := e.Suggest(provider.Prompt{Path: "x.go", Prefix: prefix}); s != "" {
			t.Errorf("after %q: offered %q", prefix, s)
		}
	}
}

// TestConcurrent trains, forgets and reopens files while completing; run
// with -race.
func TestConcurrent(t *testing.T) {
	e := New(Options{MaxBytes: 2 << 20})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 40 {
			e.Train(fmt.Sprintf("f%d.go", i%7), "go", storeSrc(20+i))
			if i%5 == 0 {
				e.Forget(fmt.Sprintf("f%d.go", i%3))
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 40 {
			e.SetOpen("open.go", storeSrc(i%4))
		}
	}()
	for range 200 {
		e.Suggest(provider.Prompt{Path: "x.go", Prefix: "func f() error {\n\tif err != nil {\n\t\t"})
		e.Stats()
	}
	wg.Wait()
	if got, _ := e.Suggest(provider.Prompt{Path: "x.go", Prefix: "func f() error {\n\tif err != nil {\n\t\t"}); got != "return nil, err" {
		t.Errorf("after concurrent training: got %q", got)
	}
}

func TestTrainDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code := storeSrc(2)
	write("a.go", code)
	write("sub/b.py", "def f():\n    return 1\n")
	write(".gitignore", "ignored.go\nbuild/\n")
	write("ignored.go", code)
	write("build/c.go", code)
	write(".env", "TOKEN=secret\n")
	write("server.pem", "-----BEGIN-----\n")
	write("gen.go", "// Code generated by stringer. DO NOT EDIT.\n\npackage kv\n")
	write("notes.txt", "just prose\n")
	write("skip/d.go", code)
	e := New(Options{})
	n, err := TrainDir(context.Background(), e, dir, func(p string) bool { return strings.Contains(p, "skip") })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := range e.files {
		got = append(got, p)
	}
	if n != 2 || len(got) != 2 || e.files["a.go"] == nil || e.files["sub/b.py"] == nil {
		t.Errorf("trained %d files: %v, want a.go and sub/b.py", n, got)
	}
}

// TestCompactKeepsModel: retraining a file leaves n-grams counted zero
// times; rebuilding without them changes no probability.
func TestCompactKeepsModel(t *testing.T) {
	e := New(Options{})
	e.Train("a.go", "go", storeSrc(30))
	e.Train("a.go", "go", strings.ReplaceAll(storeSrc(10), "err", "e2"))
	if e.global.deadNodes() == 0 {
		t.Fatal("retraining left no dead n-grams")
	}
	probs := func() []float64 {
		var out []float64
		for _, prefix := range []string{"", "func (s *Store) Get1(", "if e2 != nil {\n\t\treturn nil, "} {
			q := e.prepare(provider.Prompt{Path: "t.go", Prefix: prefix})
			e.mu.RLock()
			m, c := e.mixFor(q)
			for id := uint32(1); id < uint32(e.vocab.len()); id++ {
				p, _ := m.prob(&c, id)
				out = append(out, p)
			}
			e.mu.RUnlock()
		}
		return out
	}
	before := probs()
	nodes := e.global.nodes() - e.global.deadNodes()
	e.global = e.global.prune(0)
	if d := e.global.deadNodes(); d != 0 || e.global.nodes() != nodes {
		t.Errorf("after compaction: %d nodes, %d dead; want %d, 0", e.global.nodes(), d, nodes)
	}
	after := probs()
	for i := range before {
		if math.Abs(before[i]-after[i]) > 1e-12 {
			t.Fatalf("probability %d changed from %g to %g", i, before[i], after[i])
		}
	}
}
