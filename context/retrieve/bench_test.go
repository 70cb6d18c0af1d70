package retrieve

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
)

// synthWorkspace writes a Go module of nPkgs packages of filesPer files
// each, every file with types, fields, methods and functions that use the
// packages before it, and returns its root.
func synthWorkspace(tb testing.TB, nPkgs, filesPer int) string {
	tb.Helper()
	root := tb.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write(filepath.Join(root, "go.mod"), "module example.com/synth\n\ngo 1.22\n")
	for p := 0; p < nPkgs; p++ {
		for f := 0; f < filesPer; f++ {
			write(filepath.Join(root, fmt.Sprintf("pkg%03d", p), fmt.Sprintf("file%02d.go", f)), synthFile(p, f, 6))
		}
	}
	return root
}

// synthFile is one file of package p. Type names are unique to their
// package; method and field names come from small pools, as String, Close
// or Name recur across a real workspace.
func synthFile(p, f, types int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package pkg%03d\n\n", p)
	if p > 0 {
		fmt.Fprintf(&b, "import dep \"example.com/synth/pkg%03d\"\n\n", p-1)
	}
	for t := 0; t < types; t++ {
		name := fmt.Sprintf("Widget%03d%02d%02d", p, f, t)
		fmt.Fprintf(&b, "// %s holds the state of one widget.\ntype %s struct {\n\tName%d string\n\tCount%d int\n\tparent%d *%s\n", name, name, (p+t)%10, t, (p+f)%10, name)
		if p > 0 {
			fmt.Fprintf(&b, "\tdep%d *dep.Widget%03d%02d%02d\n", (p+f+t)%10, p-1, f, t)
		}
		b.WriteString("}\n\n")
		for m := 0; m < 4; m++ {
			meth := fmt.Sprintf("Step%d", (p*7+f*3+t*5+m)%40)
			fmt.Fprintf(&b, "// %s advances the widget.\nfunc (w *%s) %s(n int, label string) (int, error) {\n\tif n < 0 {\n\t\treturn 0, nil\n\t}\n\tw.Count%d += n\n\treturn w.Count%d, nil\n}\n\n", meth, name, meth, t, t)
		}
		fmt.Fprintf(&b, "func New%s(name string) *%s {\n\treturn &%s{}\n}\n\n", name, name, name)
	}
	return b.String()
}

// bigFile is a file of about n lines in package pkg000 of the workspace.
func bigFile(n int) string {
	var b strings.Builder
	b.WriteString("package pkg001\n\nimport dep \"example.com/synth/pkg000\"\n\n")
	for i := 0; strings.Count(b.String(), "\n") < n; i++ {
		fmt.Fprintf(&b, "func helper%d(w *Widget0010001, d dep.Widget0000002) int {\n\tx, _ := w.Step%d(%d, \"a\")\n\ty := NewWidget0010102(\"b\")\n\tz, _ := y.Step%d(x, \"c\")\n\treturn z + d.Count2\n}\n\n", i, i%40, i, (i+3)%40)
	}
	return b.String()
}

func setup(tb testing.TB, nPkgs, filesPer int) (*Retriever, *workspace.Workspace, string, string) {
	root := synthWorkspace(tb, nPkgs, filesPer)
	// The current file is saved too, as it usually is: the index knows
	// its imports and the names it uses.
	cur := filepath.Join(root, "pkg001", "big.go")
	text := bigFile(10000)
	if err := os.WriteFile(cur, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	ws := workspace.New(root)
	r := New(ws, Options{})
	tb.Cleanup(r.Close)
	r.IndexRoots([]string{root})
	r.WaitIndexed()
	// 20 open tabs, the current file last (most recent).
	for i := 0; i < 19; i++ {
		p := filepath.Join(root, "pkg001", fmt.Sprintf("file%02d.go", i%20))
		b, _ := os.ReadFile(p)
		ws.Open(workspace.URIOf(p), "go", 1, string(b))
	}
	ws.Open(workspace.URIOf(cur), "go", 1, text)
	return r, ws, cur, text
}

// BenchmarkGather is the gathering for one request on a 10,000-line file
// with 20 open tabs in a 5,000-file workspace, at a 1,024-token snippet
// budget (a 2,048-token prompt). It reports p50 and p99 over the run.
func BenchmarkGather(b *testing.B) {
	tokens.Warm()
	r, ws, cur, text := setup(b, 250, 20)
	if n := r.Index().Len(); n < 5001 {
		b.Fatalf("indexed %d files", n)
	}
	snap, err := ws.Snapshot(workspace.URIOf(cur), true)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	// Cursors spread over the file, at the start of a body line.
	var offs []int
	for i, at := 0, 0; i < 64; i++ {
		at = strings.Index(text[at+1:], "\ty := ") + at + 1
		offs = append(offs, at+1)
		at += len(text) / 80
		if at >= len(text)-100 {
			at = 0
		}
	}
	var lat []time.Duration
	var got int
	// Collections started during the run: with the index most of the
	// heap, a request that overlaps one is the tail.
	gcs := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(gcs)
	gc0 := gcs[0].Value.Uint64()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := offs[i%len(offs)]
		start := time.Now()
		s := r.Gather(context.Background(), Request{Snapshot: snap, Offset: off, Local: [2]int{max(off-4000, 0), min(off+1000, len(text))}, Budget: 1024, Deadline: start.Add(50 * time.Millisecond)})
		lat = append(lat, time.Since(start))
		got += len(s)
	}
	b.StopTimer()
	metrics.Read(gcs)
	b.ReportMetric(float64(gcs[0].Value.Uint64()-gc0)*1000/float64(b.N), "gcs/1000op")
	// The first pass over the cursors is cold: signature token costs and
	// name splits are memoised as candidates are first seen. p99-warm is
	// the steady state after it.
	var warm []time.Duration
	if len(lat) > 2*len(offs) {
		warm = append(warm, lat[len(offs):]...)
	}
	pct := func(l []time.Duration, p int) float64 {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		return float64(l[min(len(l)-1, len(l)*p/100)].Microseconds()) / 1000
	}
	if len(warm) > 0 {
		b.ReportMetric(pct(warm, 99), "p99-warm-ms")
	}
	b.ReportMetric(pct(lat, 50), "p50-ms")
	b.ReportMetric(pct(lat, 99), "p99-ms")
	b.ReportMetric(float64(got)/float64(b.N), "snippets/op")
}

// BenchmarkIndexBuild indexes a 5,000-file workspace from scratch and
// reports the time and the heap it holds afterwards.
func BenchmarkIndexBuild(b *testing.B) {
	root := synthWorkspace(b, 250, 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		r := New(workspace.New(root), Options{})
		r.IndexRoots([]string{root})
		r.WaitIndexed()
		took := time.Since(start)
		runtime.GC()
		runtime.GC() // twice: trees closed during the build wait one cycle for their finalizers
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if r.Index().Len() != 5000 {
			b.Fatalf("indexed %d files", r.Index().Len())
		}
		b.ReportMetric(took.Seconds(), "build-s")
		b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), "heap-MiB")
		r.Close()
	}
}

// BenchmarkUpdateOnSave re-indexes one saved file of a 5,000-file
// workspace.
func BenchmarkUpdateOnSave(b *testing.B) {
	r, _, _, _ := setup(b, 250, 20)
	p := filepath.Join(r.ws.Roots()[0], "pkg100", "file07.go")
	src, _ := os.ReadFile(p)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A save that changes the file, so nothing is cached; the write
		// itself is the editor's, not timed.
		b.StopTimer()
		if err := os.WriteFile(p, append(src, fmt.Sprintf("\nvar saved%d = %d\n", i, i)...), 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r.Update(p)
	}
}
