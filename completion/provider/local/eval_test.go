package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRankIsVocabularyRank: the evaluation's rank, which scores only the
// contexts' continuations and the most frequent tokens, agrees with the
// rank among every symbol of the vocabulary, found by scoring them all.
func TestRankIsVocabularyRank(t *testing.T) {
	files := goCorpus(t)
	e := New(Options{})
	var test evalFile
	for i, f := range files[:min(len(files), 40)] {
		if i == 0 {
			test = f
			continue
		}
		e.Train(f.path, "go", f.text)
	}
	ids, _ := e.encode("go", test.path, test.text)
	e.mu.RLock()
	defer e.mu.RUnlock()
	rd := e.newReader(test.path, len(ids))
	m := rd.m
	n, same, inTop := 0, 0, 0
	for i, w := range ids[:min(len(ids), 3000)] {
		if i%5 == 0 { // scoring the whole vocabulary is slow
			got := m.rank(&rd.c, w, 10, nil)
			pw, _ := m.prob(&rd.c, w)
			want := 1
			for x := uint32(1); x < uint32(e.vocab.len()) && want <= 10; x++ {
				if p, _ := m.prob(&rd.c, x); x != w && p > pw {
					want++
				}
			}
			if want > 10 {
				want = 0
			}
			n++
			if got == want {
				same++
			}
			if want > 0 {
				inTop++
				if got == 0 || got > want {
					t.Errorf("token %d %q: rank %d, but %d in the whole vocabulary", i, e.vocab.strs[w], got, want)
				}
			}
		}
		rd.read(w)
	}
	t.Logf("%d of %d ranks equal to the vocabulary rank (%d in the top 10)", same, n, inTop)
	if n == 0 || float64(same) < 0.99*float64(n) {
		t.Errorf("only %d of %d ranks equal to the vocabulary rank", same, n)
	}
}

// TestEvaluateDev: the development split reads none of the held-out
// files: it divides exactly the files the ordinary run trains on.
func TestEvaluateDev(t *testing.T) {
	dir := t.TempDir()
	for i := range 30 {
		src := strings.ReplaceAll(storeSrc(2), "package kv", fmt.Sprintf("package kv // file %d", i))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.go", i)), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := EvalOptions{MaxFiles: 1}
	test, err := Evaluate(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Dev = true
	dev, err := Evaluate(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if test.TestFiles != 3 || dev.TrainFiles+dev.TestFiles != test.TrainFiles || dev.TestFiles != 5 {
		t.Errorf("held out %d of %d files; the development split has %d training and %d development files, want 22 and 5 of the 27",
			test.TestFiles, test.TrainFiles+test.TestFiles, dev.TrainFiles, dev.TestFiles)
	}
	if dev.NextTokens == 0 || dev.MRR <= 0 {
		t.Errorf("development split scored nothing: %+v", dev)
	}
}

// TestFolds: over the folds every file is held out exactly once, the
// rest trained on, and fold 0 is the reported split; a fold past the
// files is an error.
func TestFolds(t *testing.T) {
	dir := t.TempDir()
	for i := range 29 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.go", i)), []byte(fmt.Sprintf("package p // %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held := map[string]int{}
	for fold := 0; fold < 10; fold++ {
		train, test, err := splitFiles(dir, 0.1, fold, false, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(train)+len(test) != 29 {
			t.Fatalf("fold %d: %d train + %d test of 29 files", fold, len(train), len(test))
		}
		for _, f := range test {
			held[f.path]++
		}
		for _, f := range train {
			for _, g := range test {
				if f.path == g.path {
					t.Fatalf("fold %d trains on held-out %s", fold, f.path)
				}
			}
		}
	}
	if len(held) != 29 {
		t.Errorf("%d files held out over the folds, want all 29", len(held))
	}
	for p, n := range held {
		if n != 1 {
			t.Errorf("%s held out %d times", p, n)
		}
	}
	if _, _, err := splitFiles(dir, 0.1, 10, false, 1<<20); err == nil {
		t.Error("fold 10 of 29 files, 3 at a time: no error")
	}
}
