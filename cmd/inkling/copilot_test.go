package main

import (
	"encoding/json"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// The Copilot protocol, with the message shapes copilot.lua and copilot.vim
// send (see their sources as summarised in shared/research/copilot.md).
func TestCopilotProtocol(t *testing.T) {
	s := start(t, "openai", providertest.Fixed("b int) int {\n"), nil)
	uri := s.open("cp.go", "go", "package cp\n\nfunc add(a, \n")

	// copilot.lua: checkStatus, then signIn, which must not ask for a login.
	var st struct{ Status string }
	s.MustCall("checkStatus", map[string]any{"options": map[string]any{"localChecksOnly": true}}, &st)
	if st.Status != "OK" {
		t.Fatalf("checkStatus %+v", st)
	}
	var si struct{ Status string }
	s.MustCall("signIn", map[string]any{}, &si)
	if si.Status != "AlreadySignedIn" {
		t.Fatalf("signIn %+v", si)
	}
	s.MustCall("signOut", map[string]any{}, nil)

	// copilot.lua: getCompletions with doc{uri, version, position, insertSpaces, tabSize}.
	var gc struct {
		Completions []struct {
			UUID        string `json:"uuid"`
			Text        string `json:"text"`
			DisplayText string `json:"displayText"`
			Range       struct{ Start, End struct{ Line, Character int } }
			Position    struct{ Line, Character int }
			DocVersion  int `json:"docVersion"`
		} `json:"completions"`
	}
	doc := map[string]any{"uri": uri, "version": 1, "position": pos(2, 12), "insertSpaces": false, "tabSize": 4,
		"relativePath": "cp.go", "languageId": "go"}
	s.MustCall("getCompletions", map[string]any{"doc": doc}, &gc)
	if len(gc.Completions) != 1 {
		t.Fatalf("getCompletions %+v", gc)
	}
	c := gc.Completions[0]
	if c.Text != "func add(a, b int) int {" || c.DisplayText != "b int) int {" || c.Range.Start.Character != 0 || c.Range.End.Character != 12 || c.DocVersion != 1 {
		t.Fatalf("completion %+v", c)
	}
	s.MustCall("getCompletionsCycling", map[string]any{"doc": doc}, &gc)
	if len(gc.Completions) == 0 {
		t.Fatal("cycling gave nothing")
	}
	for _, m := range []struct {
		method string
		params map[string]any
	}{
		{"notifyShown", map[string]any{"uuid": c.UUID}},
		{"notifyAccepted", map[string]any{"uuid": c.UUID, "acceptedLength": 5}},
		{"notifyRejected", map[string]any{"uuids": []string{c.UUID}}},
	} {
		if _, err := s.Call(m.method, m.params); err != nil {
			t.Fatalf("%s: %v", m.method, err)
		}
	}
	if _, err := s.Call("notifyAccepted", map[string]any{"uuid": "no-such-id"}); err == nil {
		t.Error("notifyAccepted of an unknown uuid accepted")
	}

	// copilot.vim: inlineCompletion with formattingOptions, then the shown
	// and partial-accept notifications and the item's command on accept.
	res, err := s.Call("textDocument/inlineCompletion", map[string]any{
		"textDocument": map[string]any{"uri": uri, "version": 1}, "position": pos(2, 12),
		"context": map[string]any{"triggerKind": 2}, "formattingOptions": map[string]any{"insertSpaces": false, "tabSize": 4}})
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Items []struct {
			InsertText string `json:"insertText"`
			Command    struct {
				Command   string `json:"command"`
				Arguments []any  `json:"arguments"`
			} `json:"command"`
		} `json:"items"`
	}
	json.Unmarshal(res, &l)
	if len(l.Items) != 1 || l.Items[0].Command.Command == "" {
		t.Fatalf("inline %s", res)
	}
	item := l.Items[0]
	s.Notify("textDocument/didShowCompletion", map[string]any{"item": map[string]any{"command": map[string]any{"arguments": item.Command.Arguments}}})
	s.Notify("textDocument/didPartiallyAcceptCompletion", map[string]any{"item": item, "acceptedLength": 3})
	if _, err := s.Call("workspace/executeCommand", map[string]any{"command": item.Command.Command, "arguments": item.Command.Arguments}); err != nil {
		t.Fatalf("accept command: %v", err)
	}
	// Copilot's own command name is accepted too, for clients that hard-code it.
	if _, err := s.Call("workspace/executeCommand", map[string]any{"command": "github.copilot.didAcceptCompletionItem", "arguments": item.Command.Arguments}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Call("workspace/executeCommand", map[string]any{"command": "rm -rf /"}); err == nil {
		t.Error("unknown command accepted")
	}
	// didChangeStatus notifications arrive (the provider was chosen at start).
	if len(s.Notes("didChangeStatus")) == 0 {
		t.Error("no didChangeStatus notification")
	}
	if len(s.Notes("window/logMessage")) != 0 {
		for _, m := range s.Notes("window/logMessage") {
			t.Errorf("unexpected log message: %s", m.Params)
		}
	}
}
