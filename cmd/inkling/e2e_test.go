package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/server/lsptest"
)

// These tests drive the built binary over stdio, as an editor does, against
// a local HTTP server that speaks each provider's wire format.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "inkling-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "inkling")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type session struct {
	*lsptest.Client
	t    *testing.T
	dir  string
	fake *providertest.Server
}

// start runs the binary against a fake model; kind picks the wire format.
func start(t *testing.T, kind string, script func(providertest.Recorded) providertest.Reply, encodings []string) *session {
	t.Helper()
	fake := providertest.Start(t, script)
	dir := t.TempDir()
	endpoint := fake.URL + "/v1"
	if kind == "llamacpp" {
		endpoint = fake.URL
	}
	env := []string{"INKLING_PROVIDER=" + kind, "INKLING_ENDPOINT=" + endpoint, "INKLING_MODEL=qwen2.5-coder:1.5b",
		"INKLING_API_KEY=sk-test-secret-key-123456"}
	c := lsptest.Start(t, binary(t), env, "serve", "--log-level", "debug")
	s := &session{Client: c, t: t, dir: dir, fake: fake}
	c.Initialize("file://"+dir, encodings, nil)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server stderr:\n%s", c.Stderr())
		}
		if strings.Contains(c.Stderr(), "sk-test-secret-key-123456") {
			t.Errorf("the API key reached the log")
		}
	})
	return s
}

func (s *session) open(name, lang, text string) string {
	uri := "file://" + filepath.Join(s.dir, name)
	s.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": lang, "version": 1, "text": text}})
	return uri
}

func pos(line, ch int) map[string]any { return map[string]any{"line": line, "character": ch} }

type inlineList struct {
	Items []struct {
		InsertText string `json:"insertText"`
		Range      struct {
			Start struct{ Line, Character int } `json:"start"`
			End   struct{ Line, Character int } `json:"end"`
		} `json:"range"`
	} `json:"items"`
}

func (s *session) inline(uri string, line, ch int) (inlineList, *lsptest.Error) {
	res, err := s.Call("textDocument/inlineCompletion", map[string]any{
		"textDocument": map[string]any{"uri": uri}, "position": pos(line, ch), "context": map[string]any{"triggerKind": 1}})
	var l inlineList
	if err == nil {
		if e := json.Unmarshal(res, &l); e != nil {
			s.t.Fatalf("decoding %s: %v", res, e)
		}
	}
	return l, err
}

func TestInitialize(t *testing.T) {
	s := start(t, "openai", providertest.Fixed("x"), []string{"utf-8", "utf-16"})
	res, err := s.Call("initialize", map[string]any{"capabilities": map[string]any{}})
	if err == nil {
		t.Fatalf("second initialize accepted: %s", res)
	}
	c := lsptest.Start(t, binary(t), []string{"INKLING_PROVIDER=local"}, "serve")
	r := c.Initialize("file:///tmp", []string{"utf-16"}, nil)
	caps := r["capabilities"].(map[string]any)
	if caps["positionEncoding"] != "utf-16" {
		t.Errorf("encoding %v", caps["positionEncoding"])
	}
	for _, k := range []string{"inlineCompletionProvider", "completionProvider", "textDocumentSync"} {
		if caps[k] == nil {
			t.Errorf("capability %s missing", k)
		}
	}
	if sync := caps["textDocumentSync"].(map[string]any); sync["change"].(float64) != 2 {
		t.Errorf("sync %v", sync)
	}
	if r["serverInfo"].(map[string]any)["name"] != "inkling" {
		t.Errorf("serverInfo %v", r["serverInfo"])
	}
	c.Shutdown()
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("server did not exit after exit")
	}
}

func TestGhostTextLineOpenAI(t *testing.T) {
	s := start(t, "openai", providertest.Fixed(`"hello", name)`+"\n\treturn\n"), nil)
	uri := s.open("a.go", "go", "package a\n\nimport \"fmt\"\n\nfunc hello(name string) {\n\tfmt.Println()\n}\n")
	l, err := s.inline(uri, 5, 13)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].InsertText != `"hello", name` {
		t.Fatalf("items %+v", l.Items)
	}
	if r := l.Items[0].Range; r.Start.Line != 5 || r.Start.Character != 13 || r.End != r.Start {
		t.Fatalf("range %+v", r)
	}
	req := s.fake.Requests()[0]
	if req.Path != "/v1/completions" {
		t.Fatalf("path %s", req.Path)
	}
	if !strings.Contains(req.Str("prompt"), "func hello(name string) {\n\tfmt.Println(") {
		t.Errorf("prompt lacks the prefix: %q", req.Str("prompt"))
	}
	if stops := req.Strs("stop"); !contains(stops, "\n") {
		t.Errorf("single-line request without newline stop: %v", stops)
	}
	if req.Header.Get("Authorization") != "Bearer sk-test-secret-key-123456" {
		t.Errorf("auth header %q", req.Header.Get("Authorization"))
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestGhostTextBlockChatAndInfill(t *testing.T) {
	for _, kind := range []string{"openai", "openai-chat", "llamacpp"} {
		t.Run(kind, func(t *testing.T) {
			s := start(t, kind, providertest.Fixed("if len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn xs[0]\n}\n\nfunc next() {}\n"), nil)
			uri := s.open("b.go", "go", "package b\n\nfunc first(xs []int) int {\n\t\n}\n")
			l, err := s.inline(uri, 3, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := "if len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn xs[0]"
			if len(l.Items) != 1 || l.Items[0].InsertText != want {
				t.Fatalf("items %+v, want %q", l.Items, want)
			}
			req := s.fake.Requests()[0]
			switch kind {
			case "llamacpp":
				if req.Path != "/infill" || !strings.HasSuffix(req.Str("input_prefix"), "func first(xs []int) int {\n\t") {
					t.Errorf("infill request %s %s", req.Path, req.Raw)
				}
			case "openai-chat":
				if req.Path != "/v1/chat/completions" {
					t.Errorf("chat path %s", req.Path)
				}
			}
		})
	}
}

func TestPopupCompletion(t *testing.T) {
	s := start(t, "openai", providertest.Fixed("urn a + b\n"), nil)
	uri := s.open("c.go", "go", "package c\n\nfunc add(a, b int) int {\n\tret\n}\n")
	var l struct {
		IsIncomplete bool `json:"isIncomplete"`
		Items        []struct {
			Label          string `json:"label"`
			FilterText     string `json:"filterText"`
			InsertTextMode int    `json:"insertTextMode"`
			TextEdit       struct {
				NewText string `json:"newText"`
				Range   struct {
					Start, End struct{ Line, Character int }
				} `json:"range"`
			} `json:"textEdit"`
		} `json:"items"`
	}
	s.MustCall("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(3, 4)}, &l)
	if !l.IsIncomplete || len(l.Items) != 1 {
		t.Fatalf("list %+v", l)
	}
	it := l.Items[0]
	if it.Label != "return a + b" || it.TextEdit.NewText != "urn a + b" || it.InsertTextMode != 1 || !strings.HasPrefix(it.FilterText, "ret") {
		t.Fatalf("item %+v", it)
	}
	if r := it.TextEdit.Range; r.Start != r.End || r.Start.Line != 3 || r.Start.Character != 4 {
		t.Fatalf("range %+v", r)
	}
}

func TestUTF16AfterEmoji(t *testing.T) {
	for _, enc := range [][]string{nil, {"utf-8"}} {
		s := start(t, "openai", providertest.Fixed(` + "!"`+"\n"), enc)
		uri := s.open("d.go", "go", "package d\n\nvar s = \"😀é\"\n")
		// The cursor after the closing quote: UTF-16 counts 😀 as 2, é as 1;
		// UTF-8 as 4 and 2.
		col := 13
		if enc != nil {
			col = 16
		}
		l, err := s.inline(uri, 2, col)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != 1 || l.Items[0].InsertText != ` + "!"` || l.Items[0].Range.Start.Character != col {
			t.Fatalf("%v: items %+v", enc, l.Items)
		}
		if p := s.fake.Requests()[0].Str("prompt"); !strings.Contains(p, "var s = \"😀é\"<|fim_suffix|>") {
			t.Fatalf("%v: prompt %q", enc, p)
		}
		// An edit after the emoji lands where the client meant it.
		s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
			"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(2, col), "end": pos(2, col)}, "text": " + x"}}})
		s.inline(uri, 2, col+4)
		reqs := s.fake.Requests()
		if p := reqs[len(reqs)-1].Str("prompt"); !strings.Contains(p, "var s = \"😀é\" + x<|fim_suffix|>") {
			t.Fatalf("%v: after edit, prompt %q", enc, p)
		}
	}
}

func TestSupersessionAndCancel(t *testing.T) {
	slow := func(r providertest.Recorded) providertest.Reply {
		return providertest.Reply{Chunks: []string{"a", "b"}, FirstByte: 3 * time.Second}
	}
	s := start(t, "openai", slow, nil)
	uri := s.open("e.go", "go", "package e\n\nfunc f() {\n\tx := \n}\n")
	params := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(3, 6), "context": map[string]any{"triggerKind": 1}}
	first := s.Send("textDocument/inlineCompletion", params)
	time.Sleep(200 * time.Millisecond)
	// A slow model must not delay edits: didChange then a request that
	// depends on it, answered at once with an error for a bad position.
	t0 := time.Now()
	s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": "package e\n"}}})
	_, err := s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(5, 0)})
	if err == nil || err.Code != -32602 {
		t.Fatalf("past-end request: %v", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("didChange waited for the model: %s", d)
	}
	// A new request for the same document supersedes the first.
	third := s.Send("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(0, 9), "context": map[string]any{"triggerKind": 1}})
	if _, err := first.Wait(t, 5*time.Second); err == nil || err.Code != -32800 {
		t.Fatalf("superseded request answered %v, want -32800", err)
	}
	// $/cancelRequest cancels, and the model's HTTP stream is closed.
	time.Sleep(200 * time.Millisecond)
	s.Notify("$/cancelRequest", map[string]any{"id": third.ID})
	if _, err := third.Wait(t, 5*time.Second); err == nil || err.Code != -32800 {
		t.Fatalf("cancelled request answered %v, want -32800", err)
	}
	if !s.fake.WaitIdle(5 * time.Second) {
		t.Fatal("model streams still open after cancellation")
	}
	for _, r := range s.fake.Requests() {
		if !r.Aborted {
			t.Errorf("a model request ran to the end after its LSP request was cancelled")
		}
	}
}

func TestProviderErrors(t *testing.T) {
	cases := []struct {
		name   string
		reply  providertest.Reply
		expect string
	}{
		{"auth", providertest.ErrorReply(401, "invalid api key"), "API key"},
		{"rate", func() providertest.Reply {
			r := providertest.ErrorReply(429, "slow down")
			r.Header = map[string][]string{"Retry-After": {"7"}}
			return r
		}(), "rate limited"},
		{"server", providertest.ErrorReply(500, "boom"), "failed"},
		{"malformed", providertest.Reply{Chunks: []string{"a"}, Fault: providertest.MalformedSSE}, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, "openai", func(providertest.Recorded) providertest.Reply { return c.reply }, nil)
			uri := s.open("f.go", "go", "package f\n\nvar x = \n")
			for i := 0; i < 3; i++ {
				_, err := s.inline(uri, 2, 8)
				if err == nil {
					t.Fatalf("request %d succeeded", i)
				}
			}
			msgs := s.Notes("window/showMessage")
			var shown []string
			for _, m := range msgs {
				var p struct{ Message string }
				json.Unmarshal(m.Params, &p)
				if strings.Contains(strings.ToLower(p.Message), strings.ToLower(c.expect)) {
					shown = append(shown, p.Message)
				}
			}
			if c.name != "malformed" && len(shown) != 1 {
				t.Fatalf("want one message about %q, got %d: %q (all: %d)", c.expect, len(shown), shown, len(msgs))
			}
			if _, ok := s.WaitNote("didChangeStatus", time.Second, func(m lsptest.Message) bool {
				return strings.Contains(string(m.Params), `"Error"`) || strings.Contains(string(m.Params), `"Warning"`)
			}); !ok {
				t.Fatalf("no status notification")
			}
			if c.name != "malformed" && len(s.fake.Requests()) != 1 {
				t.Fatalf("%d model requests; the breaker should hold back after a failure", len(s.fake.Requests()))
			}
		})
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	// A model that never sends its first byte: the request fails within
	// the configured timeout, with one message.
	s := start(t, "openai", func(providertest.Recorded) providertest.Reply {
		return providertest.Reply{Chunks: []string{"x"}, FirstByte: time.Minute}
	}, nil)
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"timeoutMs": 500}}})
	uri := s.open("t.go", "go", "package t\n\nvar x = \n")
	t0 := time.Now()
	if _, err := s.inline(uri, 2, 8); err == nil {
		t.Fatal("stalled model: no error")
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("stalled model held the request %s", d)
	}
	if _, ok := s.WaitNote("window/showMessage", 2*time.Second, func(m lsptest.Message) bool {
		return strings.Contains(string(m.Params), "timed out")
	}); !ok {
		t.Fatal("no timeout message")
	}

	// Nothing listening: unreachable, said once, and the breaker holds
	// back the next keystrokes instead of dialling again.
	c := lsptest.Start(t, binary(t), []string{"INKLING_PROVIDER=openai", "INKLING_ENDPOINT=http://127.0.0.1:9/v1", "INKLING_MODEL=m"}, "serve")
	c.Initialize("file://"+t.TempDir(), nil, nil)
	u := "file:///w/u.go"
	c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": u, "languageId": "go", "version": 1, "text": "package u\n\nvar x = \n"}})
	for i := 0; i < 3; i++ {
		if _, err := c.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": u}, "position": pos(2, 8)}); err == nil {
			t.Fatal("dead endpoint: no error")
		}
	}
	n := 0
	for _, m := range c.Notes("window/showMessage") {
		if strings.Contains(string(m.Params), "cannot reach") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d unreachable messages, want 1", n)
	}
}

func TestBadInput(t *testing.T) {
	s := start(t, "openai", providertest.Fixed("1\n"), nil)
	uri := s.open("g.go", "go", "package g\n\nvar x = \n")
	check := func(what string, code int, err *lsptest.Error) {
		t.Helper()
		if err == nil || (code != 0 && err.Code != code) || err.Message == "" {
			t.Errorf("%s: got %v, want code %d", what, err, code)
		}
	}
	s.Raw(`{"jsonrpc":"2.0","id":99,"method":`) // truncated JSON
	_, err := s.Call("foo/unknown", map[string]any{})
	check("unknown method", -32601, err)
	_, err = s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": "file:///nope.go"}, "position": pos(0, 0)})
	check("unopened document", -32602, err)
	_, err = s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(99, 0)})
	check("line past end", -32602, err)
	_, err = s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": "two", "character": 0}})
	check("wrong type", -32602, err)
	_, err = s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(-1, 0)})
	check("negative", -32602, err)
	_, err = s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}})
	check("missing position", -32602, err)
	s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(40, 0), "end": pos(50, 3)}, "text": "!"}}})
	if _, ok := s.WaitNote("window/logMessage", 5*time.Second, func(m lsptest.Message) bool { return strings.Contains(string(m.Params), "clamped") }); !ok {
		t.Error("out-of-range edit not reported")
	}
	s.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "file:///bad.go", "languageId": "go", "version": 1, "text": "a\xff\xfeb"}})
	big := strings.Repeat("// padding line for a ten megabyte document\n", 10<<20/44)
	bigURI := s.open("big.go", "go", "package big\n"+big)
	// Decoding 10 MB of JSON takes a while under the race detector: wait
	// longer than for the others, but it must be an error, not a hang.
	_, err = s.Send("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": bigURI}, "position": pos(1, 0)}).Wait(t, 90*time.Second)
	check("10 MB document", 0, err)
	// Still serving: a normal request works.
	l, err := s.inline(uri, 2, 8)
	if err != nil || len(l.Items) != 1 || l.Items[0].InsertText != "1" {
		t.Fatalf("after bad input: %+v %v", l, err)
	}
	if len(s.Notes("")) == 0 {
		t.Error("no error for the truncated message")
	}
}

func TestPartialResults(t *testing.T) {
	s := start(t, "openai", func(providertest.Recorded) providertest.Reply {
		return providertest.Reply{Chunks: []string{"if x {", "\n\t\treturn", " 1\n", "\t}\n", "\treturn 0\n", "}\n"}, Delay: 30 * time.Millisecond}
	}, nil)
	uri := s.open("h.go", "go", "package h\n\nfunc f(x bool) int {\n\t\n}\n")
	res, err := s.Call("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(3, 1),
		"context": map[string]any{"triggerKind": 1}, "partialResultToken": "tok-1"})
	if err != nil {
		t.Fatal(err)
	}
	var final inlineList
	json.Unmarshal(res, &final)
	var partials []string
	for _, m := range s.Notes("$/progress") {
		var p struct {
			Token string     `json:"token"`
			Value inlineList `json:"value"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Token == "tok-1" && len(p.Value.Items) == 1 {
			partials = append(partials, p.Value.Items[0].InsertText)
		}
	}
	if len(partials) < 2 {
		t.Fatalf("partials %q", partials)
	}
	for i := 1; i < len(partials); i++ {
		if !strings.HasPrefix(partials[i], partials[i-1]) {
			t.Fatalf("partials out of order: %q", partials)
		}
	}
	if len(final.Items) != 1 || final.Items[0].InsertText != "if x {\n\t\treturn 1\n\t}\n\treturn 0" || partials[len(partials)-1] != final.Items[0].InsertText {
		t.Fatalf("final %+v, last partial %q", final.Items, partials[len(partials)-1])
	}
}

func TestConfigurationErrorsNameTheField(t *testing.T) {
	s := start(t, "openai", providertest.Fixed("1\n"), nil)
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"maxTokens": "lots", "provider": "nope"}}})
	m, ok := s.WaitNote("window/showMessage", 5*time.Second, func(m lsptest.Message) bool { return strings.Contains(string(m.Params), "maxTokens") })
	if !ok || !strings.Contains(string(m.Params), "inkling.provider") {
		t.Fatalf("no message naming the fields: %s", m.Params)
	}
	uri := s.open("i.go", "go", "package i\n\nvar x = \n")
	if l, err := s.inline(uri, 2, 8); err != nil || len(l.Items) != 1 {
		t.Fatalf("still serving on the last good settings: %+v %v", l, err)
	}
}

func TestPlainTextAndCRLF(t *testing.T) {
	s := start(t, "openai", providertest.Fixed(" world\n"), nil)
	// A language Inkling has no grammar for still completes, as text.
	uri := s.open("notes.txt", "plaintext", "hello\n")
	l, err := s.inline(uri, 0, 5)
	if err != nil || len(l.Items) != 1 || l.Items[0].InsertText != " world" {
		t.Fatalf("plain text: %+v %v", l, err)
	}
	// CRLF lines: after the closing quote of line 1 is character 9 in UTF-16
	// (😀 counts 2).
	crlf := s.open("w.py", "python", "x = 1\r\ns = 'é😀'\r\ny = 2\r\n")
	l, err = s.inline(crlf, 1, 9)
	if err != nil || len(l.Items) != 1 || l.Items[0].Range.Start.Line != 1 || l.Items[0].Range.Start.Character != 9 {
		t.Fatalf("crlf: %+v %v", l, err)
	}
	// The speculative request after the answer has " world" already typed,
	// so look for the request the inline call itself made.
	var prompts []string
	found := false
	for _, r := range s.fake.Requests() {
		p := r.Str("prompt")
		found = found || strings.Contains(p, "x = 1\r\ns = 'é😀'<|fim_suffix|>\r\ny = 2")
		prompts = append(prompts, p)
	}
	if !found {
		t.Fatalf("no request with the CRLF text intact: %q", prompts)
	}
}
