package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
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

// BenchmarkAfterCancel is what typing does to the HTTP client: a stream is
// cancelled after its first piece (the next key made it stale), and the
// next request starts soon after. It measures Complete's call → the
// request's arrival at the server, the provider's share of the
// server-added latency. "finished" is the same after a stream that ended
// normally, whose connection is reused: the floor. "nospare" is the shared
// transport without its spare connection (see spareDialer).
func BenchmarkAfterCancel(b *testing.B) {
	noSpare := sharedTransport.Clone()
	noSpare.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	defer noSpare.CloseIdleConnections()
	for _, k := range kinds {
		b.Run(k.kind, func(b *testing.B) { benchAfter(b, k.kind, false, nil) })
		b.Run(k.kind+"/nospare", func(b *testing.B) { benchAfter(b, k.kind, false, &http.Client{Transport: noSpare}) })
		b.Run(k.kind+"/finished", func(b *testing.B) { benchAfter(b, k.kind, true, nil) })
	}
}

func benchAfter(b *testing.B, kind string, finish bool, client Doer) {
	fake := providertest.NewFake(func(providertest.Recorded) providertest.Reply {
		if finish {
			return providertest.Text("a")
		}
		return providertest.Reply{Fault: providertest.Endless, Delay: time.Millisecond}
	})
	arrived := make(chan time.Time, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- time.Now():
		default:
		}
		fake.ServeHTTP(w, r)
	}))
	defer hs.Close()
	defer fake.Close()
	var opts []Option
	if client != nil {
		opts = append(opts, WithHTTPClient(client))
	}
	prov, err := New(Config{Kind: kind, Endpoint: hs.URL, Model: "m"}, opts...)
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		err := prov.Complete(ctx, Prompt{Prefix: "x", MaxTokens: 1 << 20}, func(string) bool {
			if !finish {
				cancel()
			}
			return true
		})
		cancel()
		if finish && err != nil || !finish && !errors.Is(err, context.Canceled) {
			b.Fatal(err)
		}
		times = append(times, (<-arrived).Sub(start))
		// The typist's next key comes a little later.
		time.Sleep(2 * time.Millisecond)
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "µs-p50/arrival")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "µs-p99/arrival")
}
