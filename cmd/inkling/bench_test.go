package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkStartup builds the binary as a user gets it (no race detector)
// and measures spawn → initialize reply, and resident memory after
// initialize and with 50 open 2,000-line Go files.
func BenchmarkStartup(b *testing.B) {
	exe := filepath.Join(b.TempDir(), "inkling")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	var st *Startup
	for range b.N {
		var err error
		if st, err = MeasureStartup(exe, 20, 50, 2000, "../.."); err != nil {
			b.Fatal(err)
		}
	}
	ds := slices.Clone(st.Initialize)
	slices.Sort(ds)
	b.ReportMetric(ms(ds[len(ds)/2]), "initialize-p50-ms")
	b.ReportMetric(ms(ds[len(ds)-1]), "initialize-max-ms")
	b.ReportMetric(float64(st.RSSInit)/(1<<20), "rss-init-MiB")
	b.ReportMetric(float64(st.RSSOpen)/(1<<20), "rss-50files-MiB")
}

// TestMeasureStartup checks the measurement itself on one spawn: the reply
// came and memory was read.
func TestMeasureStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	exe := filepath.Join(t.TempDir(), "inkling")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	st, err := MeasureStartup(exe, 1, 2, 100, "../../completion")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Initialize) != 1 || st.Initialize[0] <= 0 || st.Initialize[0] > time.Minute {
		t.Fatalf("initialize times %v", st.Initialize)
	}
	if st.RSSInit <= 0 || st.RSSOpen < st.RSSInit/2 {
		t.Fatalf("rss %d then %d", st.RSSInit, st.RSSOpen)
	}
}
