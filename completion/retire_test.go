package completion

import (
	"context"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/context/workspace"
)

// TestReplacedCallIsClosed: a key that disagrees with a call in flight
// makes a new call, and the old one's HTTP stream is closed (once the new
// request is out), so the model server stops generating it.
func TestReplacedCallIsClosed(t *testing.T) {
	fake := providertest.Start(t, func(r providertest.Recorded) providertest.Reply {
		if typedAtCursor(r) == "r" {
			return providertest.Text("ok\n")
		}
		// The first call: a word, then a stream that would go on.
		return providertest.Reply{Chunks: []string{"zzz", " y", " y", " y", " y", " y"}, Delay: time.Second}
	})
	prov, err := provider.New(provider.Config{Kind: "openai", Endpoint: fake.URL, Model: "m", Template: "qwen2.5-coder"})
	if err != nil {
		t.Fatal(err)
	}
	e, ws := newTestEngine(prov)
	ctx1, cancel1 := context.WithCancel(context.Background())
	partial := make(chan struct{}, 8)
	first := make(chan error, 1)
	go func() {
		_, err := e.Complete(ctx1, Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 1}, Trigger: Invoked,
			OnPartial: func(Suggestion, bool) { partial <- struct{}{} }})
		first <- err
	}()
	<-partial // "zzz" has streamed
	cancel1() // the next key supersedes the request; its call lingers
	<-first
	typeAt(t, ws, 2, 3, 1, "r") // disagrees with "zzz"
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: workspace.Position{Line: 3, Character: 2}, Trigger: Invoked})
	if err != nil || len(res.Items) != 1 || res.Items[0].Text != "ok" {
		t.Fatalf("second request: %+v, %v", res, err)
	}
	if !fake.WaitIdle(5 * time.Second) {
		t.Fatal("the first call is still being answered")
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || !reqs[0].Aborted || reqs[1].Aborted {
		t.Fatalf("%d requests; first aborted %v", len(reqs), len(reqs) > 0 && reqs[0].Aborted)
	}
}

// typedAtCursor is what was typed at the cursor in r's prompt: "" for the
// first call, "r" for the second.
func typedAtCursor(r providertest.Recorded) string {
	p := r.Str("prompt")
	const mark = "<|fim_suffix|>"
	for i := 0; i+len(mark) <= len(p); i++ {
		if p[i:i+len(mark)] == mark && i > 0 && p[i-1] == 'r' {
			return "r"
		}
	}
	return ""
}
