package completion

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/retrieve"
	"github.com/inkling-ls/inkling/context/workspace"
)

// instant answers at once, so that a benchmark of Complete measures the
// engine's own work.
type instant struct{}

func (instant) Name() string { return "instant" }
func (instant) Complete(ctx context.Context, p provider.Prompt, onText func(string) bool) error {
	onText("x := 1\n")
	return nil
}

// bigGoFile is a Go file of about n lines made of this package's sources.
func bigGoFile(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("package completion\n\n")
	files := []string{"engine.go", "flight.go", "cache.go", "cut.go", "shape.go", "prompt.go", "health.go"}
	for i := 0; strings.Count(b.String(), "\n") < n; i++ {
		data, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			tb.Fatal(err)
		}
		body := string(data)
		body = body[strings.Index(body, "\n)\n")+3:] // after the imports
		b.WriteString(body)
	}
	return b.String()
}

// adapter is what the server does: the retriever behind the engine's
// Retriever interface.
type adapter struct{ r *retrieve.Retriever }

func (a adapter) Gather(ctx context.Context, snap *workspace.Snapshot, offset int, local [2]int, budget int, deadline time.Time) []provider.Snippet {
	got := a.r.Gather(ctx, retrieve.Request{Snapshot: snap, Offset: offset, Local: local, Budget: budget, Deadline: deadline})
	out := make([]provider.Snippet, len(got))
	for i, g := range got {
		out[i] = provider.Snippet{Path: g.Path, Text: g.Text}
	}
	return out
}

// BenchmarkPrepare is the engine's time from a request to the model call:
// cache and join checks, the window, the prompt, and (with the retriever)
// the extra context, on a 10,000-line Go file with 20 other tabs open.
func BenchmarkPrepare(b *testing.B) {
	text := bigGoFile(b, 10000)
	for _, withRet := range []bool{false, true} {
		name := "local-only"
		if withRet {
			name = "with-retriever"
		}
		b.Run(name, func(b *testing.B) {
			ws := workspace.New("/w")
			for i := range 20 {
				ws.Open(fmt.Sprintf("file:///w/tab%d.go", i), "go", 1, text[:len(text)/(i+2)])
			}
			uri := "file:///w/big.go"
			ws.Open(uri, "go", 1, text)
			o := DefaultOptions()
			o.Debounce = 0
			e := New(ws, instant{}, o)
			if withRet {
				r := retrieve.New(ws, retrieve.Options{})
				defer r.Close()
				e.SetRetriever(adapter{r})
			}
			var prep []time.Duration
			e.OnLaunch = func(l Launch) { prep = append(prep, l.Prepare) }
			snap, err := ws.Snapshot(uri, false)
			if err != nil {
				b.Fatal(err)
			}
			var ends []workspace.Position // ends of non-blank lines
			for l := 4000; l < 8000; l++ {
				line := strings.TrimRight(snap.Text[snap.LineStart(l):snap.LineStart(l+1)], "\n")
				if strings.TrimSpace(line) != "" {
					ends = append(ends, workspace.Position{Line: l, Character: len(line)})
				}
			}
			snap.Close()
			b.ResetTimer()
			for i := range b.N {
				// A new position each time, so no cache answers.
				req := Request{URI: uri, Position: ends[i%len(ends)], Trigger: Invoked}
				if _, err := e.Complete(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			slices.Sort(prep)
			if len(prep) > 0 {
				b.ReportMetric(float64(prep[len(prep)/2].Microseconds()), "prepare-p50-µs")
				b.ReportMetric(float64(prep[len(prep)*99/100].Microseconds()), "prepare-p99-µs")
			}
		})
	}
}
