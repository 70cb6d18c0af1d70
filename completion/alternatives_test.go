package completion

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/context/workspace"
)

// newHTTPEngine is an engine over goSrc whose provider is the real
// OpenAI-compatible backend talking to a fake model server running script.
func newHTTPEngine(t *testing.T, script func(providertest.Recorded) providertest.Reply) (*Engine, *providertest.Server) {
	t.Helper()
	s := providertest.Start(t, script)
	p, err := provider.New(provider.Config{Kind: "openai", Endpoint: s.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngine(p)
	return e, s
}

func texts(res *Result) []string {
	var out []string
	for _, it := range res.Items {
		out = append(out, it.Text)
	}
	return out
}

// temperatures are the temperatures the fake saw, greedy ones as 0.
func temperatures(s *providertest.Server) (greedy, sampled int) {
	for _, r := range s.Requests() {
		if t, ok := r.Temperature(); ok && t <= providertest.Greedy {
			greedy++
		} else if t == SampleTemperature || t > 0.79 && t < 0.81 {
			sampled++
		}
	}
	return greedy, sampled
}

var inBody = workspace.Position{Line: 3, Character: 1}

func TestCyclingGetsAlternatives(t *testing.T) {
	// The second sample runs past the block's end and, once cut, is the
	// first one again: one greedy and one distinct alternative remain.
	e, s := newHTTPEngine(t, providertest.ByTemperature(
		"return a + b\n}\n",
		"return b + a\n}\n",
		"return b + a  \n}\n\nfunc sub(a, b int) int {\n\treturn a - b\n}\n",
	))
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: inBody, Trigger: Cycling})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"return a + b", "return b + a"}, texts(res)); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	for _, it := range res.Items {
		if it.Range.Start != inBody || it.Range.End != inBody {
			t.Errorf("%q: range %v, want empty at the cursor", it.Text, it.Range)
		}
	}
	if g, smp := temperatures(s); g != 1 || smp != MaxSuggestions-1 {
		t.Errorf("model calls: %d greedy, %d sampled; want 1 and %d", g, smp, MaxSuggestions-1)
	}
	if n := e.Stats.ModelCalls.Load(); n != MaxSuggestions {
		t.Errorf("Stats.ModelCalls = %d, want %d", n, MaxSuggestions)
	}
}

func TestCyclingKeepsThreeDistinct(t *testing.T) {
	e, _ := newHTTPEngine(t, providertest.ByTemperature("return a + b\n}\n", "return b + a\n}\n", "return a+b\n}\n"))
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: inBody, Trigger: Cycling})
	if err != nil {
		t.Fatal(err)
	}
	got := texts(res)
	if len(got) != 3 || got[0] != "return a + b" {
		t.Fatalf("suggestions %q: want the greedy one first, then two samples", got)
	}
	if !(got[1] == "return b + a" && got[2] == "return a+b" || got[2] == "return b + a" && got[1] == "return a+b") {
		t.Errorf("samples %q", got[1:])
	}
}

// TestOneCallUnlessCycling checks that typing (and a popup's invoked
// request) still costs one model call.
func TestOneCallUnlessCycling(t *testing.T) {
	for _, trig := range []Trigger{Automatic, Invoked} {
		e, s := newHTTPEngine(t, providertest.ByTemperature("return a + b\n}\n", "return b + a\n}\n"))
		res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: inBody, Trigger: trig})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"return a + b"}, texts(res)); diff != "" {
			t.Errorf("trigger %d: suggestions (-want +got):\n%s", trig, diff)
		}
		if n := len(s.Requests()); n != 1 {
			t.Errorf("trigger %d: %d model calls, want 1", trig, n)
		}
		if g, _ := temperatures(s); g != 1 {
			t.Errorf("trigger %d: the call was not greedy", trig)
		}
	}
}

// TestCyclingAfterTyping is next-suggestion on ghost text already shown:
// the greedy answer comes from the cache and only the samples are asked for.
func TestCyclingAfterTyping(t *testing.T) {
	e, s := newHTTPEngine(t, providertest.ByTemperature("return a + b\n}\n", "return b + a\n}\n"))
	ctx := context.Background()
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: inBody, Trigger: Automatic}); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, e, "file:///w/a.go")
	res, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: inBody, Trigger: Cycling})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source != "cache" {
		t.Errorf("source %q, want cache", res.Source)
	}
	if diff := cmp.Diff([]string{"return a + b", "return b + a"}, texts(res)); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	if g, smp := temperatures(s); g != 1 || smp != MaxSuggestions-1 {
		t.Errorf("model calls: %d greedy, %d sampled; want 1 and %d", g, smp, MaxSuggestions-1)
	}
}

// TestCyclingSampleFails: a failed sample costs its alternative, not the
// request.
func TestCyclingSampleFails(t *testing.T) {
	e, _ := newHTTPEngine(t, func(r providertest.Recorded) providertest.Reply {
		if t, _ := r.Temperature(); t > providertest.Greedy {
			return providertest.ErrorReply(500, "overloaded")
		}
		return providertest.Text("return a + b\n}\n")
	})
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: inBody, Trigger: Cycling})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"return a + b"}, texts(res)); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
}

// TestCyclingCancelled: cancelling the request ends the samples.
func TestCyclingCancelled(t *testing.T) {
	e, s := newHTTPEngine(t, func(r providertest.Recorded) providertest.Reply {
		if t, _ := r.Temperature(); t > providertest.Greedy {
			return providertest.Reply{Chunks: []string{"return"}, Fault: providertest.Stall}
		}
		return providertest.Text("return a + b\n}\n")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: inBody, Trigger: Cycling})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Requests()) < MaxSuggestions && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	// The usual answer was in hand: it may still come back, but at once.
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("err = %v", err)
	}
	if !s.WaitIdle(5 * time.Second) {
		t.Fatal("the fake still has requests open")
	}
	for i, r := range s.Requests()[1:] {
		if !r.Aborted {
			t.Errorf("request %d was not aborted", i)
		}
	}
}
