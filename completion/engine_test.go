package completion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

// scripted is a provider for unit tests of the engine: it answers with fixed
// chunks, optionally after a gate, and counts calls.
type scripted struct {
	mu     sync.Mutex
	calls  int
	chunks []string
	gate   chan struct{} // when set, each chunk waits for a receive
	ended  chan error    // every call's end
}

func (s *scripted) Name() string { return "scripted" }

func (s *scripted) Complete(ctx context.Context, p provider.Prompt, onText func(string) bool) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	err := func() error {
		for _, c := range s.chunks {
			if s.gate != nil {
				select {
				case <-s.gate:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if !onText(c) {
				return nil
			}
		}
		return nil
	}()
	if s.ended != nil {
		s.ended <- err
	}
	return err
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

const goSrc = "package p\n\nfunc add(a, b int) int {\n\t\n}\n"

func newTestEngine(p provider.Provider) (*Engine, *workspace.Workspace) {
	ws := workspace.New()
	ws.Open("file:///w/a.go", "go", 1, goSrc)
	o := DefaultOptions()
	o.Debounce = 0
	// Extra context is skipped when it is late (30 ms by default); on a
	// loaded machine an instant gathering can be, and tests that are not
	// about lateness (TestExtraContextLate sets its own) must not see it.
	o.GatherTimeout = 10 * time.Second
	return New(ws, p, o), ws
}

func typeAt(t *testing.T, ws *workspace.Workspace, v int32, line, col int, s string) {
	t.Helper()
	r := workspace.Range{Start: workspace.Position{Line: line, Character: col}, End: workspace.Position{Line: line, Character: col}}
	if err := ws.Change("file:///w/a.go", v, []workspace.Change{{Range: &r, Text: s}}, workspace.UTF16); err != nil {
		t.Fatal(err)
	}
}

// waitSettled waits until no model call is in flight for uri.
func waitSettled(t *testing.T, e *Engine, uri string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		e.mu.Lock()
		_, busy := e.flights[uri]
		e.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the model call never settled")
		}
	}
}

func TestTypingThroughMakesNoModelCall(t *testing.T) {
	p := &scripted{chunks: []string{"return a", " + b\n}\n"}}
	e, ws := newTestEngine(p)
	ctx := context.Background()
	res, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked})
	if err != nil || len(res.Items) != 1 || res.Items[0].Text != "return a + b" {
		t.Fatalf("first: %+v %v", res, err)
	}
	// The reply can go out before the call has wound down; until then a
	// key joins the call instead of finding its answer in the cache.
	waitSettled(t, e, "file:///w/a.go")
	typed := "retu"
	for i, ch := range typed {
		typeAt(t, ws, int32(i+2), 3, 1+i, string(ch))
		res, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 2 + i}, Trigger: Automatic})
		if err != nil || len(res.Items) != 1 || res.Source != "cache" {
			t.Fatalf("after %q: %+v %v", typed[:i+1], res, err)
		}
		if want := "return a + b"[i+1:]; res.Items[0].Text != want {
			t.Fatalf("after %q: %q want %q", typed[:i+1], res.Items[0].Text, want)
		}
	}
	if p.count() != 1 {
		t.Fatalf("model calls = %d, want 1", p.count())
	}
	// Typing something else falls back to the model.
	typeAt(t, ws, 10, 3, 5, "X")
	if _, err := e.Complete(ctx, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 6}, Trigger: Invoked}); err != nil {
		t.Fatal(err)
	}
	if p.count() != 2 {
		t.Fatalf("model calls = %d, want 2", p.count())
	}
}

func TestJoinAndPartials(t *testing.T) {
	p := &scripted{chunks: []string{"return", " a", " + b", "\n}"}, gate: make(chan struct{})}
	e, ws := newTestEngine(p)
	ctx1, cancel1 := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := e.Complete(ctx1, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked})
		errc <- err
	}()
	p.gate <- struct{}{} // "return" streamed
	// The user types "r": the old request is cancelled, the new one joins.
	cancel1()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("first request: %v", err)
	}
	typeAt(t, ws, 2, 3, 1, "r")
	var partials []string
	done := make(chan *Result, 1)
	go func() {
		res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 2}, Trigger: Automatic,
			OnPartial: func(s Suggestion, _ bool) { partials = append(partials, s.Text) }})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	for e.Stats.Joined.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 3 {
		p.gate <- struct{}{}
	}
	res := <-done
	if p.count() != 1 {
		t.Fatalf("model calls = %d, want 1 (joined)", p.count())
	}
	if res.Source != "joined" || len(res.Items) != 1 || res.Items[0].Text != "eturn a + b" {
		t.Fatalf("joined result %+v", res)
	}
	if len(partials) == 0 || partials[len(partials)-1] != res.Items[0].Text {
		t.Fatalf("partials %q, final %q", partials, res.Items[0].Text)
	}
	for i := 1; i < len(partials); i++ {
		if !strings.HasPrefix(partials[i], partials[i-1]) {
			t.Fatalf("partials not growing: %q", partials)
		}
	}
}

func TestDivergingRequestCancelsFlight(t *testing.T) {
	p := &scripted{chunks: []string{"return a", " + b"}, gate: make(chan struct{}), ended: make(chan error, 4)}
	e, ws := newTestEngine(p)
	ctx1, cancel1 := context.WithCancel(context.Background())
	go e.Complete(ctx1, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked})
	p.gate <- struct{}{}
	cancel1()
	typeAt(t, ws, 2, 3, 1, "x") // not what the model is writing
	go e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 2}, Trigger: Invoked})
	select {
	case err := <-p.ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("old stream ended with %v, want cancellation", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("old stream not closed")
	}
	close(p.gate)
}

func TestBadPositionAndUnknownDocument(t *testing.T) {
	e, _ := newTestEngine(&scripted{})
	_, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 99, Character: 0}})
	if !errors.Is(err, ErrBadPosition) {
		t.Fatalf("past end: %v", err)
	}
	_, err = e.Complete(context.Background(), Request{URI: "file:///w/nope.go"})
	if !errors.Is(err, workspace.ErrUnknownDocument) {
		t.Fatalf("unknown: %v", err)
	}
}

// windingDown answers one line, then takes its time to end the call, as a
// provider does that reads a stream to its end to keep the connection.
type windingDown struct {
	release   chan struct{}
	cancelled chan bool
}

func (w *windingDown) Name() string { return "winding-down" }

func (w *windingDown) Complete(ctx context.Context, p provider.Prompt, onText func(string) bool) error {
	for _, c := range []string{"return a", " + b\n", "}\n"} {
		if !onText(c) {
			break
		}
	}
	select {
	case <-w.release:
		w.cancelled <- false
		return nil
	case <-ctx.Done():
		w.cancelled <- true
		return ctx.Err()
	}
}

// TestAnswerOnceCutComplete: once the cut has found the answer's end the
// request is answered, with the call still winding down; the call is not
// cancelled for having no waiter, and its answer reaches the cache.
func TestAnswerOnceCutComplete(t *testing.T) {
	p := &windingDown{release: make(chan struct{}), cancelled: make(chan bool, 1)}
	e, ws := newTestEngine(p)
	o := e.Options()
	o.Linger = 0 // a call with no waiter left is cancelled at once
	e.SetOptions(o)
	typeAt(t, ws, 2, 3, 1, "x")
	typeAt(t, ws, 3, 3, 2, " := ")
	type answer struct {
		res *Result
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 6}, Trigger: Automatic})
		done <- answer{res, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-time.After(10 * time.Second): // not a timing: the call never ends unless released
		close(p.release)
		t.Fatal("the request waited for the call to end")
	}
	if a.err != nil || len(a.res.Items) != 1 || a.res.Items[0].Text != "return a + b" {
		t.Fatalf("answer %+v %v", a.res, a.err)
	}
	close(p.release)
	if <-p.cancelled {
		t.Fatal("the call was cancelled once its request was answered")
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.cache.lookupCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if e.cache.lookupCount() == 0 {
		t.Fatal("the answer never reached the cache")
	}
}

// TestAnswerAtFinish: a multi-line answer that the model ends itself
// (finish_reason) is complete with that event's text: it is answered then,
// while the server has not yet ended the stream, with one partial, marked
// as the end, for the two events that came in one read.
func TestAnswerAtFinish(t *testing.T) {
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		// Two events in one write, as a last token and the end often
		// come: one read.
		for _, ev := range []string{
			`{"choices":[{"text":"return a + b\n","index":0,"finish_reason":null}]}`,
			`{"choices":[{"text":"\t// end","index":0,"finish_reason":"stop"}]}`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", ev)
		}
		w.(http.Flusher).Flush()
		select { // [DONE] and the stream's end come later
		case <-release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer hs.Close()
	defer close(release)
	p, err := provider.New(provider.Config{Kind: "openai", Endpoint: hs.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := newTestEngine(p)
	done := make(chan *Result, 1)
	var partials []string
	var lastEnded bool
	go func() {
		res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked,
			OnPartial: func(s Suggestion, ended bool) { partials, lastEnded = append(partials, s.Text), ended }})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		if res == nil || len(res.Items) != 1 || res.Items[0].Text != "return a + b\n\t// end" {
			t.Fatalf("answer %+v", res)
		}
		// The waiter is woken when the provider has used up what it
		// read, so it never shows the first event's text alone; the
		// whole answer was known with its last text, so its partial goes
		// out with the answer, in one write.
		if len(partials) != 1 || partials[0] != "return a + b\n\t// end" || !lastEnded {
			t.Errorf("partials %q, the last ended: %v", partials, lastEnded)
		}
	case <-time.After(10 * time.Second): // not a timing: the stream never ends unless released
		t.Fatal("the request waited for the end of the stream")
	}
}
