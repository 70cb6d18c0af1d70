package completion

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

func TestStableOrder(t *testing.T) {
	a := provider.Snippet{Path: "a.go", Text: "func A()"}
	b := provider.Snippet{Path: "b.go", Text: "func B()"}
	c := provider.Snippet{Path: "c.go", Text: "func C()"}
	// The retriever now ranks c first and has dropped nothing: the kept
	// snippets stay in front in their old order, the new one goes last.
	got, counts := stableOrder([]provider.Snippet{a, b}, []provider.Snippet{c, b, a})
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != c || len(counts) != 3 {
		t.Fatalf("order %v", got)
	}
	// A snippet that is no longer wanted goes; the rest keep their order.
	got, _ = stableOrder([]provider.Snippet{a, b, c}, []provider.Snippet{c, a})
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Fatalf("after a drop %v", got)
	}
	if kept := fit(got, []int{10, 10}, 15); len(kept) != 1 {
		t.Fatalf("fit kept %d", len(kept))
	}
}

// countingRetriever counts gatherings and blocks each one on gate.
type countingRetriever struct {
	mu    sync.Mutex
	calls int
	done  chan struct{}
}

func (r *countingRetriever) Gather(ctx context.Context, snap *workspace.Snapshot, offset int, local [2]int, budget int, deadline time.Time) []provider.Snippet {
	r.mu.Lock()
	r.calls++
	n := r.calls
	r.mu.Unlock()
	defer func() { r.done <- struct{}{} }()
	return []provider.Snippet{{Path: "x.go", Text: "func X" + string(rune('0'+n)) + "()"}}
}

// TestExtraContextKept checks that a second request near the first reuses
// its extra context in the prompt (same bytes) and gathers afresh only in
// the background.
func TestExtraContextKept(t *testing.T) {
	p := &scripted{chunks: []string{"x\n"}}
	e, ws := newTestEngine(p)
	r := &countingRetriever{done: make(chan struct{}, 4)}
	e.SetRetriever(r)
	var prompts []provider.Prompt
	e.OnPrompt = func(p provider.Prompt) { prompts = append(prompts, p) }
	ctx := context.Background()
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	<-r.done
	// A new line below: a new prompt, same extra context. (The refresh
	// starts when the cursor has moved refreshLines or the context is old.)
	typeAt(t, ws, 2, 3, 1, "y := 1\n\t")
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 4, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 2 || len(prompts[1].Context) != 1 || prompts[1].Context[0] != prompts[0].Context[0] {
		t.Fatalf("second prompt's context %v, first %v", prompts[1].Context, prompts[0].Context)
	}
	// refreshLines further down, a refresh runs in the background, and the
	// request after it sees its snippet after the kept one... which the
	// retriever no longer returns, so only the new one is left.
	typeAt(t, ws, 3, 4, 1, strings.Repeat("z\n", refreshLines)+"\t")
	at := workspace.Position{Line: 4 + refreshLines, Character: 1}
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: at, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	<-r.done // the background refresh; then wait for it to be kept
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		x := e.extras["file:///w/a.go"]
		kept := x != nil && x.line == at.Line
		e.mu.Unlock()
		if kept {
			break
		}
	}
	typeAt(t, ws, 4, at.Line, 1, "w")
	at.Character++
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: at, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if c := prompts[3].Context; len(c) != 1 || c[0].Text != "func X2()" {
		t.Fatalf("fourth prompt's context %v", c)
	}
}

// TestEarlyAnswerWhileStreaming: a request that joins a multi-line answer
// still streaming is answered with the lines already complete, and the
// model call goes on to the end, so later keys are served from the cache.
func TestEarlyAnswerWhileStreaming(t *testing.T) {
	p := &scripted{chunks: []string{"return a", " + b\n", "\t// done\n", "}\n"}, gate: make(chan struct{})}
	e, ws := newTestEngine(p)
	o := e.Options()
	o.Linger = 50 * time.Millisecond // a call nobody waits for dies soon
	e.SetOptions(o)
	ctx1, cancel1 := context.WithCancel(context.Background())
	go e.Complete(ctx1, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Automatic})
	for range 3 {
		p.gate <- struct{}{} // "return a + b\n\t// done\n" streamed; "}" waits
	}
	cancel1()
	typeAt(t, ws, 2, 3, 1, "r")
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 2}, Trigger: Automatic})
	if err != nil || res.Source != "joined" || len(res.Items) != 1 || res.Items[0].Text != "eturn a + b\n\t// done" {
		t.Fatalf("early answer %+v %v", res, err)
	}
	time.Sleep(150 * time.Millisecond) // past the linger: only onTrack keeps the call
	close(p.gate)
	deadline := time.Now().Add(5 * time.Second)
	for e.cache.lookupCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	typeAt(t, ws, 3, 3, 2, "e")
	res, err = e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 3}, Trigger: Automatic})
	if err != nil || res.Source != "cache" || len(res.Items) != 1 || res.Items[0].Text != "turn a + b\n\t// done" {
		t.Fatalf("after the call ended: %+v %v", res, err)
	}
	if p.count() != 1 {
		t.Fatalf("model calls = %d, want 1", p.count())
	}
}

func TestTrustSkipsDebounce(t *testing.T) {
	var r typingRate
	for range 3 {
		if r.served(true) {
			t.Fatal("trusted before 4 right answers")
		}
	}
	r.served(true)
	if !r.served(false) {
		t.Fatal("not trusted after 4 right answers")
	}
	for range 16 {
		r.served(false)
	}
	if r.served(false) {
		t.Fatal("still trusted after 16 wrong")
	}
}
