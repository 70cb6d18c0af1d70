package server

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/server/lsptest"
)

// badParams are malformed parameters every method is fed: wrong JSON
// types at the top and inside, missing fields, nulls, huge and negative
// numbers.
var badParams = []string{
	`null`,
	`"a string"`,
	`42`,
	`[1,2,3]`,
	`{}`,
	`{"textDocument":5,"position":"here"}`,
	`{"textDocument":{"uri":7},"position":{"line":"two","character":[]}}`,
	`{"textDocument":{"uri":"file:///w/a.go"},"position":{"line":-1,"character":-5}}`,
	`{"textDocument":{"uri":"file:///w/a.go"},"position":{"line":1e300,"character":0}}`,
	`{"textDocument":{"uri":"file:///w/a.go"},"position":{"line":9007199254740993,"character":9007199254740993}}`,
	`{"textDocument":{"uri":"file:///w/a.go"},"position":{"line":1000000,"character":0}}`,
	`{"textDocument":{"uri":"file:///nowhere/unknown.go"},"position":{"line":0,"character":0}}`,
	`{"textDocument":{"uri":"` + strings.Repeat("x", 100000) + `"},"position":{"line":0,"character":0}}`,
	`{"doc":{"uri":"file:///w/a.go","position":{"line":"x"}}}`,
	`{"doc":null}`,
	`{"command":7,"arguments":"no"}`,
	`{"settings":{"inkling":{"maxTokens":"lots","temperature":99,"exclude":"*.go","apiKey":5}}}`,
	`{"contentChanges":[{"range":{"start":{"line":0,"character":0}},"text":5}],"textDocument":{"uri":"file:///w/a.go","version":"x"}}`,
	`{"event":{"added":"nope"}}`,
	`{"changes":[{"uri":5,"type":"deleted"}]}`,
}

// TestEveryRequestRejectsBadParams sends every bad parameter set to every
// request method the server supports. Each gets an answer: an error that
// says what was wrong, or a result where the method needs no parameters.
// The session keeps serving throughout.
func TestEveryRequestRejectsBadParams(t *testing.T) {
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", "http://"+deadAddr(t)+"/v1", "INKLING_MODEL", "m")})
	s.Initialize("", nil, nil)
	s.open("file:///w/a.go", "go", "package a\n\nvar x = \n")
	var methods []string
	for m := range requests {
		if m != "initialize" && m != "shutdown" {
			methods = append(methods, m)
		}
	}
	sort.Strings(methods)
	errs, n := 0, 0
	for _, m := range methods {
		for _, p := range badParams {
			n++
			id := fmt.Sprintf(`"bad-%d"`, n)
			s.Raw(`{"jsonrpc":"2.0","id":` + id + `,"method":"` + m + `","params":` + p + `}`)
			msg, ok := s.WaitNote("", 10*time.Second, func(x lsptest.Message) bool { return x.ID != nil && string(*x.ID) == id })
			if !ok {
				t.Fatalf("%s %.80s: no answer", m, p)
			}
			if msg.Error != nil {
				errs++
				if msg.Error.Message == "" {
					t.Errorf("%s %.80s: error without a message", m, p)
				}
				if msg.Error.Code == codeInternalError {
					t.Errorf("%s %.80s: internal error (a panic): %s", m, p, msg.Error.Message)
				}
				if len(msg.Error.Message) > 1100 {
					t.Errorf("%s: error message of %d bytes", m, len(msg.Error.Message))
				}
			}
		}
		if _, err := s.Call("inkling/status", nil); err != nil {
			t.Fatalf("after %s: %v", m, err)
		}
	}
	if errs == 0 {
		t.Fatal("no bad input was rejected")
	}
	if strings.Contains(s.log.String(), "panic") {
		t.Errorf("a handler panicked:\n%s", s.log.String())
	}
}

// The completion requests say which field is wrong.
func TestCompletionErrorsNameTheProblem(t *testing.T) {
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", "http://"+deadAddr(t)+"/v1", "INKLING_MODEL", "m")})
	s.Initialize("", nil, nil)
	uri := s.open("file:///w/a.go", "go", "package a\n\nvar x = \n")
	cases := []struct {
		params any
		want   string
	}{
		{map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": "two", "character": 0}}, `"position.line"`},
		{map[string]any{"textDocument": map[string]any{"uri": uri}}, "position is required"},
		{map[string]any{"position": pos(0, 0)}, "uri is required"},
		{map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(-1, 3)}, "negative"},
		{map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(1000000, 0)}, "past the end"},
		{map[string]any{"textDocument": map[string]any{"uri": "file:///w/none.go"}, "position": pos(0, 0)}, "didOpen"},
		{map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": 1e300, "character": 0}}, "position.line"},
		{map[string]any{"textDocument": 7, "position": pos(0, 0)}, `field "textDocument" must be an object, not a number`},
		{map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": "two", "character": 0}}, `"position.line" must be an integer, not a string`},
	}
	for _, method := range []string{"textDocument/inlineCompletion", "textDocument/completion"} {
		for _, c := range cases {
			_, err := s.Call(method, c.params)
			if err == nil || err.Code != codeInvalidParams || !strings.Contains(err.Message, c.want) {
				t.Errorf("%s %v: got %v, want -32602 saying %q", method, c.params, err, c.want)
			}
		}
	}
	// Copilot's getCompletions: the same checks under "doc".
	_, err := s.Call("getCompletions", map[string]any{"doc": map[string]any{"uri": uri, "position": pos(-1, 0)}})
	if err == nil || err.Code != codeInvalidParams {
		t.Errorf("getCompletions negative line: %v", err)
	}
}

// TestBadNotifications: a notification cannot be answered, so a bad one is
// logged to the client (window/logMessage) and the server goes on.
func TestBadNotifications(t *testing.T) {
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", "http://"+deadAddr(t)+"/v1", "INKLING_MODEL", "m")})
	s.Initialize("", nil, nil)
	uri := s.open("file:///w/a.go", "go", "package a\n\nvar x = \n")
	change := func(version int, start, end map[string]any, text string) map[string]any {
		return map[string]any{"textDocument": map[string]any{"uri": uri, "version": version},
			"contentChanges": []any{map[string]any{"range": map[string]any{"start": start, "end": end}, "text": text}}}
	}
	cases := []struct {
		name, method string
		params       any
		says         string
	}{
		{"wrong type", "textDocument/didChange", "nope", "didChange"},
		{"missing uri", "textDocument/didOpen", map[string]any{"textDocument": map[string]any{"text": "x"}}, "uri is required"},
		{"unknown uri", "textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": "file:///w/ghost.go", "version": 2}, "contentChanges": []any{map[string]any{"text": "x"}}}, "not open"},
		{"past the end", "textDocument/didChange", change(2, pos(40, 0), pos(50, 3), "!"), "clamped"},
		{"negative", "textDocument/didChange", change(3, pos(-1, -1), pos(0, 0), "!"), "didChange"},
		{"out of order", "textDocument/didChange", change(1, pos(0, 0), pos(0, 0), "stale"), "arrived after version"},
		{"close unknown", "textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": "file:///w/ghost.go"}}, "not open"},
		{"bad settings", "workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"maxTokens": -4}}}, "maxTokens"},
		{"bad cancel", "$/cancelRequest", map[string]any{"id": map[string]any{"x": 1}}, "cancelRequest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(s.Notes("window/logMessage")) + len(s.Notes("window/showMessage"))
			s.Notify(c.method, c.params)
			if _, err := s.Call("inkling/status", nil); err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, m := range append(s.Notes("window/logMessage"), s.Notes("window/showMessage")...) {
				said = append(said, string(m.Params))
			}
			if len(said) <= before {
				t.Fatalf("nothing said about it")
			}
			found := false
			for _, m := range said {
				found = found || strings.Contains(m, c.says)
			}
			if !found {
				t.Errorf("no message says %q: %q", c.says, said)
			}
		})
	}
	// Nothing bad was applied: the text is what the good edits made.
	snap, err := s.srv.ws.Snapshot(uri, false)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if strings.Contains(snap.Text, "stale") {
		t.Errorf("an out-of-order edit was applied: %q", snap.Text)
	}
}
