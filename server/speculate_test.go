package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// TestSpeculateOnShow: a Copilot-protocol client reports each suggestion it
// displays (textDocument/didShowCompletion); that report starts the call
// for the state after the suggestion's acceptance, once per state, and not
// when the document has moved on since the suggestion was made.
func TestSpeculateOnShow(t *testing.T) {
	fake := providertest.Start(t, func(r providertest.Recorded) providertest.Reply {
		if strings.Contains(r.Str("prompt"), "return a + b<|fim_suffix|>") {
			return providertest.Text(" // the sum")
		}
		return providertest.Text("return a + b")
	})
	s := modelSession(t, fake.URL+"/v1", 5000)
	uri := s.open("file:///w/a.go", "go", "package a\n\nfunc add(a, b int) int {\n\t\n}\n")
	version := 1
	ask := func(col int) (text, id string) {
		t.Helper()
		raw, rerr := s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri},
			"position": pos(3, col), "context": map[string]any{"triggerKind": 2}})
		if rerr != nil {
			t.Fatal(rerr)
		}
		var l inlineCompletionList
		if err := json.Unmarshal(raw, &l); err != nil || len(l.Items) != 1 || l.Items[0].Command == nil {
			t.Fatalf("col %d: %s", col, raw)
		}
		return l.Items[0].InsertText, l.Items[0].Command.Arguments[0].(string)
	}
	typeKey := func(col int, k string) {
		version++
		s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": version},
			"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(3, col), "end": pos(3, col)}, "text": k}}})
	}
	show := func(id string) {
		s.Notify("textDocument/didShowCompletion", map[string]any{"item": map[string]any{
			"command": map[string]any{"command": acceptCommand, "arguments": []any{id}}}})
	}
	speculative := func() int64 { return s.srv.Engine().Stats.Speculative.Load() }

	// The model's answer, then four keys typed through it: it has been
	// right lately, which speculation waits for.
	text, _ := ask(1)
	if text != "return a + b" {
		t.Fatalf("first answer %q", text)
	}
	col := 1
	var id string
	for _, k := range []string{"r", "e", "t", "u"} {
		typeKey(col, k)
		col++
		if text, id = ask(col); text != "return a + b"[col-1:] {
			t.Fatalf("typing through, col %d: %q", col, text)
		}
	}
	// Shown: one call, for the state after the rest, "rn a + b", is
	// accepted; shown again, nothing more.
	if text != "rn a + b" {
		t.Fatalf("col %d: %q", col, text)
	}
	show(id)
	show(id)
	_, again := ask(col) // the same state, a new suggestion id
	show(again)
	settled := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(fake.Requests()) < want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // room for a call too many
		if !fake.WaitIdle(5 * time.Second) {
			t.Fatal("model calls did not end")
		}
	}
	settled(2)
	if n, calls := speculative(), len(fake.Requests()); n != 1 || calls != 2 {
		t.Fatalf("%d speculative calls, %d model calls; want 1 and 2", n, calls)
	}
	if p := fake.Requests()[1].Str("prompt"); !strings.Contains(p, "return a + b<|fim_suffix|>") {
		t.Fatalf("the speculative call is not for the accepted state: %q", p)
	}
	// A suggestion reported shown after the document changed elsewhere:
	// the state it would guess at is not the one on screen.
	_, late := ask(col)
	version++
	s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": version},
		"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(1, 0), "end": pos(1, 0)}, "text": "// x"}}})
	show(late)
	settled(2)
	if n, calls := speculative(), len(fake.Requests()); n != 1 || calls != 2 {
		t.Fatalf("after a stale report: %d speculative calls, %d model calls; want 1 and 2", n, calls)
	}
}
