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

// countingRetriever counts gatherings; each answers a snippet named after
// its number, after delay.
type countingRetriever struct {
	mu    sync.Mutex
	calls int
	delay time.Duration
}

func (r *countingRetriever) Gather(ctx context.Context, snap *workspace.Snapshot, offset int, local [2]int, budget int, deadline time.Time) []provider.Snippet {
	r.mu.Lock()
	r.calls++
	n := r.calls
	r.mu.Unlock()
	time.Sleep(r.delay)
	return []provider.Snippet{{Path: "x.go", Text: "func X" + string(rune('0'+n)) + "()"}}
}

func (r *countingRetriever) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// TestExtraContextKept: requests in the region where the extra context was
// gathered reuse it in the prompt (same bytes) and gather nothing; a request
// far away gathers again.
func TestExtraContextKept(t *testing.T) {
	p := &scripted{chunks: []string{"x\n"}}
	e, ws := newTestEngine(p)
	r := &countingRetriever{}
	e.SetRetriever(r)
	var prompts []provider.Prompt
	e.OnPrompt = func(p provider.Prompt) { prompts = append(prompts, p) }
	ctx := context.Background()
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	// Lines below, still in the region: a new prompt, the same extra
	// context, no gathering.
	typeAt(t, ws, 2, 3, 1, strings.Repeat("y := 1\n\t", 10))
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 13, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 2 || len(prompts[1].Context) != 1 || prompts[1].Context[0] != prompts[0].Context[0] || r.count() != 1 {
		t.Fatalf("second prompt's context %v, first %v, %d gatherings", prompts[1].Context, prompts[0].Context, r.count())
	}
	// Beyond stickyLines: gathered again, before the call.
	typeAt(t, ws, 3, 13, 1, strings.Repeat("z\n", stickyLines+1)+"\t")
	at := workspace.Position{Line: 14 + stickyLines, Character: 1}
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: at, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if c := prompts[2].Context; len(c) != 1 || c[0].Text != "func X2()" || r.count() != 2 {
		t.Fatalf("third prompt's context %v after %d gatherings", c, r.count())
	}
}

// TestExtraContextLate: a gathering that misses the request's deadline is
// not waited for, and the region's next request has its snippets.
func TestExtraContextLate(t *testing.T) {
	p := &scripted{chunks: []string{"x\n"}}
	e, ws := newTestEngine(p)
	o := e.Options()
	o.GatherTimeout = 20 * time.Millisecond
	e.SetOptions(o)
	r := &countingRetriever{delay: 40 * time.Millisecond}
	e.SetRetriever(r)
	var prompts []provider.Prompt
	e.OnPrompt = func(p provider.Prompt) { prompts = append(prompts, p) }
	ctx := context.Background()
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if len(prompts[0].Context) != 0 {
		t.Fatalf("first prompt waited for its context: %v", prompts[0].Context)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		x := e.extras["file:///w/a.go"]
		got := x != nil && len(x.snippets) > 0
		e.mu.Unlock()
		if got {
			break
		}
	}
	typeAt(t, ws, 2, 3, 1, "y := 1\n\t")
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 4, Character: 1}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if c := prompts[1].Context; len(c) != 1 || c[0].Text != "func X1()" || r.count() != 1 {
		t.Fatalf("second prompt's context %v after %d gatherings", c, r.count())
	}
}

// TestWindowAnchor: the prompt's window keeps its first line while the
// cursor moves inside it, and a new first line leaves room to grow.
func TestWindowAnchor(t *testing.T) {
	var b strings.Builder
	for i := range 400 {
		b.WriteString("\tx" + strings.Repeat("y", i%7) + " := compute(a, b, c)\n")
	}
	ws := workspace.New()
	ws.Open("file:///w/big.go", "go", 1, b.String())
	snap, err := ws.Snapshot("file:///w/big.go", false)
	if err != nil {
		t.Fatal(err)
	}
	budget := Budget{Tokens: 1024, SuffixShare: 0.05, PrefixShare: 0.5}
	at := func(line int) int { return snap.LineStart(line) }
	w := cutWindowAt(snap, at(200), budget, -1)
	if w.First%roomLines != 0 || w.First >= 200 {
		t.Fatalf("first line %d", w.First)
	}
	if max := int(float64(budget.Tokens) * budget.PrefixShare); w.PrefixTokens > max*7/8 {
		t.Errorf("new window takes %d of %d prefix tokens: no room to grow", w.PrefixTokens, max)
	}
	// Down a few lines and back up: the same first line.
	for _, line := range []int{205, 210, 199} {
		if got := cutWindowAt(snap, at(line), budget, w.First); got.First != w.First || !strings.HasPrefix(got.Prefix, snap.Text[w.Start:at(199)]) {
			t.Errorf("cursor at line %d: window starts at %d, want %d", line, got.First, w.First)
		}
	}
	// Far below, the anchor no longer fits: a new one.
	if got := cutWindowAt(snap, at(300), budget, w.First); got.First == w.First || got.First%roomLines != 0 {
		t.Errorf("cursor at line 300: window starts at %d", got.First)
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

// answers answers the n-th call with the n-th text.
type answers struct {
	mu    sync.Mutex
	texts []string
	calls int
}

func (a *answers) Name() string { return "answers" }

func (a *answers) Complete(ctx context.Context, p provider.Prompt, onText func(string) bool) error {
	a.mu.Lock()
	n := a.calls
	a.calls++
	a.mu.Unlock()
	if n < len(a.texts) {
		onText(a.texts[n])
	}
	return ctx.Err()
}

func (a *answers) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

// TestSpeculateAfterAccept: once a suggestion is shown, Speculate asks for
// the state after it is accepted; accepting it and asking again is then
// answered from the cache, with no new model call.
func TestSpeculateAfterAccept(t *testing.T) {
	p := &answers{texts: []string{"return a + b", " // the sum"}}
	e, ws := newTestEngine(p)
	ctx := context.Background()
	at := workspace.Position{Line: 3, Character: 1}
	res, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: at, Trigger: Invoked})
	if err != nil || len(res.Items) != 1 || res.Items[0].Text != "return a + b" {
		t.Fatalf("first: %+v %v", res, err)
	}
	// The suggestion is on screen. Speculation waits for a model that has
	// been right lately: first it is not, then it is.
	snap, err := ws.Snapshot("file:///w/a.go", false)
	if err != nil {
		t.Fatal(err)
	}
	e.Speculate(snap, at, workspace.UTF16, res.Items[0].Text)
	if n := e.Stats.Speculative.Load(); n != 0 {
		t.Fatalf("%d speculative calls for a model never right yet", n)
	}
	e.mu.Lock()
	e.typing["file:///w/a.go"].recent = 0xf
	e.mu.Unlock()
	e.Speculate(snap, at, workspace.UTF16, res.Items[0].Text)
	e.Speculate(snap, at, workspace.UTF16, res.Items[0].Text) // shown again: no second call
	for deadline := time.Now().Add(5 * time.Second); e.cache.lookupCount() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if p.count() != 2 || e.Stats.Speculative.Load() != 1 {
		t.Fatalf("%d model calls, %d speculative; want 2 and 1", p.count(), e.Stats.Speculative.Load())
	}
	// Accepted: the editor inserts the text, then asks at its end.
	typeAt(t, ws, 2, 3, 1, "return a + b")
	res, err = e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 13}, Trigger: Automatic})
	if err != nil || res.Source != "cache" || len(res.Items) != 1 || res.Items[0].Text != " // the sum" {
		t.Fatalf("after accepting: %+v %v", res, err)
	}
	if p.count() != 2 {
		t.Fatalf("model calls = %d after accepting, want 2", p.count())
	}
}
