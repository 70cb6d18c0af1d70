package local

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider"
)

// noiseSrc is a Go-like file of seeded random statements over a few
// thousand names: many distinct n-grams, so that a small cap is reached.
func noiseSrc(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	name := func() string { return fmt.Sprintf("n%d", r.IntN(3000)) }
	var b strings.Builder
	fmt.Fprintf(&b, "package p%d\n", seed%7)
	for range 60 {
		fmt.Fprintf(&b, "\nfunc %s(%s int) int {\n", name(), name())
		for range 1 + r.IntN(4) {
			fmt.Fprintf(&b, "\t%s := %s(%s, %d)\n", name(), name(), name(), r.IntN(100))
		}
		fmt.Fprintf(&b, "\treturn %s\n}\n", name())
	}
	return b.String()
}

const idiomPrefix = "func f() error {\n\tif err != nil {\n\t\t"

// TestCapHoldsWithCopies: the model stays within its cap at every moment,
// the copies made while a table grows or the model is pruned included,
// and what is frequent survives the pruning.
func TestCapHoldsWithCopies(t *testing.T) {
	const limit = 12 << 20
	e := New(Options{MaxBytes: limit})
	e.Train("store.go", "go", storeSrc(40))
	for i := range 250 {
		e.Train(fmt.Sprintf("f%d.go", i), "go", noiseSrc(uint64(i)))
	}
	st := e.Stats()
	if st.Prunes == 0 || st.Skipped > 0 {
		t.Fatalf("want pruning and no skipped files under a %d cap: %+v", limit, st)
	}
	if st.Bytes > limit || st.PeakBytes > limit {
		t.Errorf("cap %d: held %d, at the peak %d", limit, st.Bytes, st.PeakBytes)
	}
	if got, _ := e.Suggest(provider.Prompt{Path: "x.go", Prefix: idiomPrefix}); got != "return nil, err" {
		t.Errorf("after pruning: got %q", got)
	}
}

// TestCapFull: when even pruning cannot make room (the vocabulary and
// the files' ids alone fill the cap), new files are skipped and counted,
// while a file already learnt can still be retrained; a larger cap takes
// new files again.
func TestCapFull(t *testing.T) {
	const limit = 1 << 20
	e := New(Options{MaxBytes: limit})
	for i := range 100 {
		e.Train(fmt.Sprintf("f%d.go", i), "go", noiseSrc(uint64(i)))
	}
	st := e.Stats()
	if st.Skipped == 0 {
		t.Fatalf("nothing skipped under a %d cap: %+v", limit, st)
	}
	// f0.go was learnt before the model filled.
	small := New(Options{})
	small.Train("f0.go", "go", storeSrc(3))
	before := e.Stats()
	e.Train("f0.go", "go", noiseSrc(0))
	e.Train("f0.go", "go", storeSrc(3))
	after := e.Stats()
	e.mu.RLock()
	_, kept := e.files["f0.go"]
	e.mu.RUnlock()
	if !kept || after.Files != before.Files || after.Skipped != before.Skipped ||
		after.Tokens != before.Tokens-noiseTokens()+small.Stats().Tokens {
		t.Errorf("retraining a learnt file: before %+v, after %+v", before, after)
	}
	e.SetMaxBytes(64 << 20)
	files := e.Stats().Files
	e.Train("new.go", "go", noiseSrc(1000))
	if got := e.Stats().Files; got != files+1 {
		t.Errorf("after raising the cap: %d files, want %d", got, files+1)
	}
}

// noiseTokens is the token count of noiseSrc(0).
func noiseTokens() int64 {
	e := New(Options{})
	e.Train("f0.go", "go", noiseSrc(0))
	return e.Stats().Tokens
}

// TestSetMaxBytes: lowering the cap prunes the model to it at once.
func TestSetMaxBytes(t *testing.T) {
	e := New(Options{})
	e.Train("store.go", "go", storeSrc(40))
	for i := range 60 {
		e.Train(fmt.Sprintf("f%d.go", i), "go", noiseSrc(uint64(i)))
	}
	before := e.Stats()
	limit := before.Bytes * 2 / 3
	e.SetMaxBytes(limit)
	st := e.Stats()
	if st.Prunes != before.Prunes+1 || st.Bytes > limit {
		t.Fatalf("cap lowered from %d to %d bytes: %+v", before.Bytes, limit, st)
	}
	if got, _ := e.Suggest(provider.Prompt{Path: "x.go", Prefix: idiomPrefix}); got != "return nil, err" {
		t.Errorf("after pruning: got %q", got)
	}
}
