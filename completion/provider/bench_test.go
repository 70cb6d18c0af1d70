package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// benchPrompt is about the size of Copilot's prompt: 8k tokens (~32 KB),
// of which four 60-line snippets of context and a 15% suffix.
func benchPrompt() Prompt {
	line := "\tresult = append(result, transform(item, options)) // keep order\n"
	var ctx []Snippet
	for i := range 4 {
		ctx = append(ctx, Snippet{Path: fmt.Sprintf("pkg/file%d.go", i), Text: strings.Repeat(line, 60)})
	}
	return Prompt{
		Path: "pkg/main.go", Language: "go", Context: ctx,
		Prefix: strings.Repeat(line, 300), Suffix: strings.Repeat(line, 55),
		Stop: []string{"\n"},
	}
}

func BenchmarkRender(b *testing.B) {
	p := benchPrompt()
	size := len(p.Prefix) + len(p.Suffix)
	for _, s := range p.Context {
		size += len(s.Text)
	}
	for _, name := range []string{"qwen2.5-coder", "deepseek-coder", "codestral", "none"} {
		b.Run(name, func(b *testing.B) {
			tmpl, _ := TemplateByName(name)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				_ = tmpl.Render(p)
				_ = tmpl.Stops(p)
			}
		})
	}
}

// BenchmarkStream measures what a backend adds per streamed piece, against
// the fake server over loopback HTTP: 200 pieces per request.
func BenchmarkStream(b *testing.B) {
	answer := strings.Repeat("x := y + z ", 50)
	chunks := providertest.Chunks(answer)
	for _, k := range kinds {
		b.Run(k.kind, func(b *testing.B) {
			s := providertest.NewServer(providertest.Fixed(answer))
			defer s.Close()
			prov, err := New(Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			if err != nil {
				b.Fatal(err)
			}
			p := Prompt{Prefix: "x", MaxTokens: len(chunks)}
			var first time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				n := 0
				err := prov.Complete(context.Background(), p, func(string) bool {
					if n == 0 {
						first += time.Since(start)
					}
					n++
					return true
				})
				if err != nil || n != len(chunks) {
					b.Fatalf("%d pieces, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(chunks)), "ns/piece")
			b.ReportMetric(float64(first.Microseconds())/float64(b.N), "µs/first-piece")
		})
	}
}

// BenchmarkCancel measures how long Complete takes to return once the
// caller cancels in the middle of a stream.
func BenchmarkCancel(b *testing.B) {
	for _, k := range kinds {
		b.Run(k.kind, func(b *testing.B) {
			s := providertest.NewServer(func(providertest.Recorded) providertest.Reply {
				return providertest.Reply{Fault: providertest.Endless, Delay: time.Millisecond}
			})
			defer s.Close()
			prov, err := New(Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			if err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				var at time.Time
				err := prov.Complete(ctx, Prompt{Prefix: "x", MaxTokens: 1 << 20}, func(string) bool {
					if at.IsZero() {
						at = time.Now()
						cancel()
					}
					return true
				})
				total += time.Since(at)
				cancel()
				if !errors.Is(err, context.Canceled) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/cancel")
		})
	}
}
