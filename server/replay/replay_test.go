package replay

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/inkling-ls/inkling/context/workspace"
	"github.com/inkling-ls/inkling/editors/editortest"
)

func loadCase(tb testing.TB, name string) *Case {
	tb.Helper()
	c, err := LoadCase("../../testdata/replay/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestLoadCase(t *testing.T) {
	c := loadCase(t, "func30.txtar")
	typed := c.Text[c.Start:c.End]
	if c.Path != "server/replay_case_sources.go" || len(c.Keys()) != len([]rune(typed)) {
		t.Fatalf("case %q: %d keys for %d bytes", c.Path, len(c.Keys()), len(typed))
	}
	if got := len(splitLines(typed)); got != 30 {
		t.Fatalf("typed region has %d lines, want 30", got)
	}
	if c.Initial()[:c.Start]+typed+c.Initial()[c.Start:] != c.Text {
		t.Fatal("initial text and region do not make the file")
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// TestReplayOracle runs a short, fast replay: against a model that knows the
// file, typing through its answers must cost far fewer model calls than keys,
// and most requests must be answered.
func TestReplayOracle(t *testing.T) {
	testReplayOracle(t, nil)
}

// TestReplayOracleChild is the same replay against the built binary as a
// child process: the calls, matched to requests by their prompts, must
// give the same kind of report.
func TestReplayOracleChild(t *testing.T) {
	r := testReplayOracle(t, []string{editortest.Inkling(t), "serve"})
	if len(r.PreSend) == 0 {
		t.Errorf("no call matched to its request by prompt: %v", r.Calls())
	}
	// The child's own wire trace times every call the editor and the
	// fake model timed.
	if len(r.SrvPre) != len(r.PreSend) || len(r.SrvPost) != len(r.PostLast) {
		t.Errorf("the server's trace timed %d of %d pre and %d of %d post: %v",
			len(r.SrvPre), len(r.PreSend), len(r.SrvPost), len(r.PostLast), r.Calls())
	}
	for _, d := range append(r.SrvPre, r.SrvPost...) {
		if d <= 0 {
			t.Errorf("server-timed %v", d)
		}
	}
}

func testReplayOracle(t *testing.T, command []string) *Report {
	c := &Case{Path: "a.go", Text: "package a\n\nfunc add(a, b int) int {\n\treturn a + b\n}\n"}
	c.Start = len("package a\n\n")
	c.End = len(c.Text)
	cfg := DefaultConfig(c)
	cfg.KeyDelay, cfg.LinePause, cfg.TTFT, cfg.TokenDelay = 50*time.Millisecond, 80*time.Millisecond, 20*time.Millisecond, time.Millisecond
	cfg.Command = command
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != r.Keys || r.Keys != len(c.Keys()) {
		t.Fatalf("%d requests for %d keys", r.Requests, r.Keys)
	}
	if r.ModelCalls == 0 || r.ModelCalls*3 > r.Keys {
		t.Errorf("%d model calls for %d keys", r.ModelCalls, r.Keys)
	}
	if r.Answered*2 < r.Requests {
		t.Errorf("only %d of %d requests answered", r.Answered, r.Requests)
	}
	if len(r.Reuse) != r.ModelCalls-1 {
		t.Errorf("%d reuse ratios for %d calls", len(r.Reuse), r.ModelCalls)
	}
	return r
}

// repoRoot is the workspace the benchmarks index: this repository.
const repoRoot = "../.."

func tabs(tb testing.TB, paths ...string) []Tab {
	tb.Helper()
	var out []Tab
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(repoRoot, p))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Tab{Name: p, Text: string(data)})
	}
	return out
}

// BenchmarkReplay types the 30-line function of func30.txtar at 40 ms a key
// into a session whose workspace is this repository, with four tabs open,
// against a model with 150 ms to first token and 10 ms per further token.
func BenchmarkReplay(b *testing.B) {
	c := loadCase(b, "func30.txtar")
	for _, tc := range []struct {
		name   string
		change func(*Config)
	}{
		{"oracle", func(*Config) {}},
		{"oracle-nopartials", func(c *Config) { c.Partials = false }},
		{"wrong", func(c *Config) { c.Mode = Wrong }},
		// The built binary as a child over stdio: the same typing as a
		// user's editor drives it (pre then includes the debounce, which
		// only the engine knows).
		{"oracle-binary", func(c *Config) { c.Command = []string{editortest.Inkling(b), "serve"} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var r *Report
			for range b.N {
				cfg := DefaultConfig(c)
				cfg.Root = repoRoot
				cfg.Tabs = tabs(b, "server/complete.go", "server/sync.go", "server/server.go", "completion/engine.go")
				tc.change(&cfg)
				var err error
				if r, err = Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
			if testing.Verbose() {
				for _, l := range r.Calls() {
					b.Log(l)
				}
			}
			for _, m := range r.Metrics() {
				b.ReportMetric(m.Value, m.Unit)
			}
		})
	}
}

// bigFile is a Go file of about n lines made of this repository's sources,
// with the case's typed region in the middle.
func bigCase(tb testing.TB, c *Case, n int) *Case {
	tb.Helper()
	var b strings.Builder
	b.WriteString("package server\n\n")
	var bodies []string
	for _, dir := range []string{"server", "completion", "context/retrieve", "context/symbols", "context/workspace", "completion/provider"} {
		ents, err := os.ReadDir(filepath.Join(repoRoot, dir))
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
				data, err := os.ReadFile(filepath.Join(repoRoot, dir, e.Name()))
				if err != nil {
					tb.Fatal(err)
				}
				body := string(data)
				if i := strings.Index(body, "\n)\n"); i >= 0 {
					body = body[i+3:]
				}
				bodies = append(bodies, body)
			}
		}
	}
	lines := 2
	mid := -1
	for i := 0; lines < n; i++ {
		if mid < 0 && lines >= n/2 {
			mid = b.Len()
			b.WriteString(c.Text[c.Start:c.End])
			b.WriteString("\n")
			lines += strings.Count(c.Text[c.Start:c.End], "\n") + 1
		}
		body := bodies[i%len(bodies)]
		b.WriteString(body)
		lines += strings.Count(body, "\n")
	}
	text := b.String()
	return &Case{Name: c.Name + "-10k", Path: "server/replay_case_big.go", Text: text, Start: mid, End: mid + c.End - c.Start}
}

// largestGoFiles are the n largest non-test Go files of the repository.
func largestGoFiles(tb testing.TB, n int) []string {
	tb.Helper()
	type f struct {
		path string
		size int64
	}
	var fs []f
	filepath.WalkDir(repoRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != repoRoot {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			if info, err := d.Info(); err == nil {
				rel, _ := filepath.Rel(repoRoot, p)
				fs = append(fs, f{rel, info.Size()})
			}
		}
		return nil
	})
	slices.SortFunc(fs, func(a, b f) int { return int(b.size - a.size) })
	var out []string
	for i := 0; i < n && i < len(fs); i++ {
		out = append(out, fs[i].path)
	}
	return out
}

// BenchmarkServerLatency measures the time the server adds to the model's
// own on a 10,000-line Go file with 20 other tabs open: request → model
// request (pre), last token → response (post). The wrong model and no
// debounce make a fresh model call every few keys. (Automatic triggers with
// debounceMs 0 rather than invoked ones: an invoked request also samples
// alternatives, two more calls that are not what this measures.)
//
// binary is the built server as a child process over its stdio, as an
// editor runs it: the figure to quote. inprocess runs it in this process,
// where the editor and the fake model share its scheduler (their own work
// counts as the server's) but the engine reports its preparation time.
func BenchmarkServerLatency(b *testing.B) {
	c := bigCase(b, loadCase(b, "func30.txtar"), 10000)
	exe := editortest.Inkling(b)
	for _, mode := range []string{"binary", "inprocess"} {
		b.Run(mode, func(b *testing.B) {
			var command []string
			if mode == "binary" {
				command = []string{exe, "serve"}
			}
			serverLatency(b, c, command)
		})
	}
}

func serverLatency(b *testing.B, c *Case, command []string) {
	var r *Report
	for range b.N {
		cfg := DefaultConfig(c)
		cfg.Root = repoRoot
		cfg.Tabs = tabs(b, largestGoFiles(b, 20)...)
		cfg.Mode, cfg.Settings = Wrong, map[string]any{"debounceMs": 0}
		cfg.Command = command
		var err error
		if r, err = Run(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
	if testing.Verbose() {
		for _, l := range r.Calls() {
			b.Log(l)
		}
	}
	for _, m := range r.Metrics() {
		b.ReportMetric(m.Value, m.Unit)
	}
}

// BenchmarkDidChange is one keystroke's didChange applied to a 10,000-line
// Go file: the text edit and the incremental reparse. The keys are those of
// the typed function, so the tree is as broken as it is while typing.
func BenchmarkDidChange(b *testing.B) {
	big := bigCase(b, loadCase(b, "func30.txtar"), 10000)
	// The same keys typed as a comment line: every state parses cleanly.
	typed := big.Text[big.Start:big.End]
	commented := "// " + strings.ReplaceAll(strings.TrimSuffix(typed, "\n"), "\n", " ") + "\n"
	asComment := &Case{Text: big.Text[:big.Start] + commented + big.Text[big.End:], Start: big.Start, End: big.Start + len(commented)}
	b.Run("function", func(b *testing.B) { benchChanges(b, big) })
	b.Run("comment", func(b *testing.B) { benchChanges(b, asComment) })
}

func benchChanges(b *testing.B, c *Case) {
	keys := c.Keys()
	ws := workspace.New()
	uri := "file:///w/big.go"
	var times []time.Duration
	version := int32(1)
	var line, col int
	reset := func() {
		ws.Open(uri, "go", version, c.Initial())
		line, col = position(c.Text[:c.Start])
	}
	reset()
	b.ResetTimer()
	for i := range b.N {
		k := keys[i%len(keys)]
		if i > 0 && i%len(keys) == 0 {
			b.StopTimer()
			reset()
			b.StartTimer()
		}
		version++
		r := workspace.Range{Start: workspace.Position{Line: line, Character: col}, End: workspace.Position{Line: line, Character: col}}
		t := time.Now()
		if err := ws.Change(uri, version, []workspace.Change{{Range: &r, Text: k}}, workspace.UTF16); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
		if k == "\n" {
			line, col = line+1, 0
		} else {
			col += len(utf16.Encode([]rune(k)))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(pct(times, 50))/1e6, "p50-ms")
	b.ReportMetric(float64(pct(times, 99))/1e6, "p99-ms")
}
