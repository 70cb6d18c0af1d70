package completion

import (
	"context"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/context/workspace"
)

// TestSpeculateOncePerState: a state guessed at once is not guessed at
// again, even when its answer was empty and so left nothing in the cache
// (a suggestion reported shown after the answer itself speculated).
func TestSpeculateOncePerState(t *testing.T) {
	p := &answers{texts: []string{"return a + b", ""}}
	e, ws := newTestEngine(p)
	at := workspace.Position{Line: 3, Character: 1}
	res, err := e.Complete(context.Background(), Request{URI: "file:///w/a.go", Position: at, Trigger: Invoked})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("first: %+v %v", res, err)
	}
	e.mu.Lock()
	e.typing["file:///w/a.go"].recent = 0xf // the model has been right lately
	e.mu.Unlock()
	snap, err := ws.Snapshot("file:///w/a.go", false)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	e.Speculate(snap, at, workspace.UTF16, res.Items[0].Text)
	for deadline := time.Now().Add(5 * time.Second); p.count() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		idle := e.flights["file:///w/a.go"] == nil
		e.mu.Unlock()
		if idle {
			break
		}
	}
	e.Speculate(snap, at, workspace.UTF16, res.Items[0].Text)
	time.Sleep(20 * time.Millisecond)
	if p.count() != 2 || e.Stats.Speculative.Load() != 1 {
		t.Fatalf("%d model calls, %d speculative; want 2 and 1", p.count(), e.Stats.Speculative.Load())
	}
}
