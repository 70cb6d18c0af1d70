package local

import (
	"context"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
)

// goCorpus reads the Go files of a few standard-library packages, which
// every machine with Go has: about 3.5 MB, 0.75 M tokens.
func goCorpus(tb testing.TB) []evalFile {
	tb.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		tb.Skip("no go command to find GOROOT")
	}
	goroot := strings.TrimSpace(string(out))
	var files []evalFile
	for _, d := range []string{"net/http", "go/types", "encoding/json", "text/template"} {
		dir := filepath.Join(goroot, "src", d)
		paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			files = append(files, evalFile{filepath.Join(d, filepath.Base(p)), string(data)})
		}
	}
	if len(files) == 0 {
		tb.Skip("no GOROOT sources")
	}
	return files
}

// BenchmarkTrain measures training speed (lexing included, on two
// goroutines as TrainDir does) and the memory the model takes. cpu-tokens/s
// divides by the process's CPU time rather than the wall clock, which on a
// shared machine says more about the code.
func BenchmarkTrain(b *testing.B) {
	files := goCorpus(b)
	var tokens int64
	var heap uint64
	var elapsed, cpu time.Duration
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := New(Options{MaxBytes: 1 << 40})
		start, cpu0 := time.Now(), cpuTime()
		e.trainAll(sources(files))
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		tokens += e.Stats().Tokens
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(e)
	}
	b.ReportMetric(float64(tokens)/elapsed.Seconds(), "tokens/s")
	b.ReportMetric(float64(tokens)/cpu.Seconds(), "cpu-tokens/s")
	b.ReportMetric(float64(heap)/float64(tokens/int64(b.N)), "heap-bytes/token")
	b.ReportMetric(float64(heap), "heap-bytes")
}

func sources(files []evalFile) iter.Seq[source] {
	return func(yield func(source) bool) {
		for _, f := range files {
			if !yield(source{path: f.path, language: "go", text: f.text}) {
				return
			}
		}
	}
}

// BenchmarkTrainWorkspace trains on a workspace of over 10 M tokens with
// the default options, as the server would: the sources under GOROOT
// (the standard library, its tests, tools) read by TrainDir. It reports the heap the engine holds
// after a GC (heap-bytes, to compare with the 150 MiB target), the
// engine's own estimate, the tokens trained, and the speed.
// Run: go test -run '^$' -bench TrainWorkspace -benchtime 1x ./completion/provider/local/
func BenchmarkTrainWorkspace(b *testing.B) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("no go command to find GOROOT")
	}
	root := strings.TrimSpace(string(out))
	var st Stats
	var heap, inuse uint64
	var rssAfter int64
	var elapsed, cpu time.Duration
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := New(Options{})
		start, cpu0 := time.Now(), cpuTime()
		// GOROOT alone falls just short of 10 M tokens; a second copy of
		// net/http, as a vendored package would be, makes up the rest.
		for _, dir := range []string{root, filepath.Join(root, "src", "net", "http")} {
			if _, err := TrainDir(context.Background(), e, dir, nil); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		st = e.Stats()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap, inuse = after.HeapAlloc-before.HeapAlloc, after.HeapInuse-before.HeapInuse
		// Resident once the freed memory is given back, as the server
		// does when a large training ends, with the model still held.
		debug.FreeOSMemory()
		rssAfter = currentRSS()
		runtime.KeepAlive(e)
	}
	b.ReportMetric(float64(st.Tokens), "tokens")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(inuse)/(1<<20), "heap-inuse-MiB")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "model-MiB")
	b.ReportMetric(float64(st.Prunes), "prunes")
	// What the process held at its peak, tables being doubled and garbage
	// not yet collected included: what a user's process monitor shows.
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
	}
	if rssAfter > 0 {
		b.ReportMetric(float64(rssAfter)/(1<<20), "rss-after-MiB")
	}
	b.ReportMetric(float64(st.Tokens)*float64(b.N)/elapsed.Seconds(), "tokens/s")
	b.ReportMetric(float64(st.Tokens)*float64(b.N)/cpu.Seconds(), "cpu-tokens/s")
	b.Logf("%+v", st)
	if st.Tokens < 10_000_000 {
		b.Errorf("GOROOT has only %d tokens", st.Tokens)
	}
}

// BenchmarkSuggest measures one line suggestion at the starts of lines of
// a file the model was not trained on, with the whole file before the
// cursor as the prompt prefix.
func BenchmarkSuggest(b *testing.B) {
	files := goCorpus(b)
	e := New(Options{})
	var test evalFile
	for _, f := range files {
		if f.path == "net/http/server.go" {
			test = f
			continue
		}
		e.Train(f.path, "go", f.text)
	}
	// Cursor points: the start of every 7th line that has code.
	var points []int
	line := 0
	for i := 0; i < len(test.text); i++ {
		if test.text[i] == '\n' {
			line++
			j := i + 1
			for j < len(test.text) && test.text[j] == '\t' {
				j++
			}
			if line%7 == 0 && j < len(test.text) && test.text[j] != '\n' && test.text[j] != '/' {
				points = append(points, j)
			}
		}
	}
	var lat []time.Duration
	offered := 0
	i := 0
	for b.Loop() {
		cur := points[i%len(points)]
		i++
		start := time.Now()
		got, _ := e.Suggest(provider.Prompt{Path: test.path, Language: "go", Prefix: test.text[max(0, cur-24000):cur]})
		lat = append(lat, time.Since(start))
		if got != "" {
			offered++
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(offered)/float64(len(lat)), "offered")
}

// BenchmarkEvalModules runs the real evaluation on the pinned modules from
// the Go module proxy. It skips when the proxy is unreachable, unless
// CI=true. Run: go test -run '^$' -bench EvalModules ./completion/provider/local/
func BenchmarkEvalModules(b *testing.B) {
	for _, m := range EvalModules {
		b.Run(filepath.Base(m.Path), func(b *testing.B) {
			dir, cleanup, err := FetchModule(context.Background(), m)
			if err != nil {
				if os.Getenv("CI") == "true" {
					b.Fatal(err)
				}
				b.Skip(err)
			}
			defer cleanup()
			var r Report
			for b.Loop() {
				if r, err = Evaluate(dir, EvalOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.MRR, "mrr")
			b.ReportMetric(r.Top1, "top1")
			b.ReportMetric(r.LineStart.Offered, "start-offered")
			b.ReportMetric(r.LineStart.Exact, "start-exact")
			b.ReportMetric(r.MidLine.Offered, "mid-offered")
			b.ReportMetric(r.MidLine.Exact, "mid-exact")
			b.ReportMetric(r.TokensPerSec, "tokens/s")
			b.ReportMetric(float64(r.LatencyP99), "p99-ns")
			b.Logf("\n%s", r.Format())
		})
	}
}
