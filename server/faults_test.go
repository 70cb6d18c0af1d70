package server

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/server/lsptest"
)

const testKey = "sk-inkling-test-7f3a9c2e41"

// deadAddr is a loopback address nothing listens on.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// modelSession is a session whose provider is the OpenAI-compatible
// endpoint, with a request timeout of timeoutMs.
func modelSession(t testing.TB, endpoint string, timeoutMs int) *session {
	t.Helper()
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", endpoint,
		"INKLING_MODEL", "qwen2.5-coder:1.5b", "INKLING_API_KEY", testKey)})
	s.Initialize("", nil, map[string]any{"timeoutMs": timeoutMs})
	return s
}

// keystroke types one character at the end of line 2 of a document opened
// as "package f\n\nvar x = \n" (version 1) and asks for a completion there.
func (s *session) keystroke(uri string, i int) *lsptest.Pending {
	s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": i + 2},
		"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(2, 8+i), "end": pos(2, 8+i)}, "text": "a"}}})
	return s.Send("textDocument/inlineCompletion", inlineParams(uri, 2, 9+i))
}

// statuses are the kinds of the didChangeStatus notifications, in order.
func (s *session) statuses() []string {
	var out []string
	for _, m := range s.Notes("didChangeStatus") {
		var p statusParams
		_ = json.Unmarshal(m.Params, &p)
		out = append(out, p.Kind)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func script(r providertest.Reply) func(providertest.Recorded) providertest.Reply {
	return func(providertest.Recorded) providertest.Reply { return r }
}

// TestProviderFaults runs five keystrokes against each way a model server
// can fail. Every request is answered within its deadline; the user is
// told once, not at each keystroke; a failing endpoint is not called again
// while the breaker holds; and no model stream is left open.
func TestProviderFaults(t *testing.T) {
	const timeoutMs = 1500
	tenMB := make([]string, 10)
	for i := range tenMB {
		tenMB[i] = strings.Repeat("a", 1<<20)
	}
	retry := providertest.ErrorReply(429, "slow down")
	retry.Header.Set("Retry-After", "7")
	cases := []struct {
		name  string
		reply providertest.Reply // ignored for "refused"
		// what the user must be told, once, with the kind of status; ""
		// when the request must succeed.
		says, kind string
		breaker    bool // the breaker must hold back the keystrokes after the first
		// deadlineMs, when set, replaces timeoutMs for this case.
		deadlineMs int
	}{
		{"refused", providertest.Reply{}, "cannot reach", "Error", true, 0},
		{"500", providertest.ErrorReply(500, "boom"), "failed", "Error", true, 0},
		{"429", retry, "rate limited", "Error", true, 0},
		{"401", providertest.ErrorReply(401, "invalid api key"), "API key", "Error", true, 0},
		{"slow first byte", providertest.Reply{Chunks: []string{"1"}, FirstByte: 3 * time.Second}, "timed out", "Error", true, 0},
		{"stall", providertest.Reply{Chunks: []string{"1", " +"}, Fault: providertest.Stall}, "timed out", "Error", true, 0},
		{"reset", providertest.Reply{Chunks: []string{"1", " +"}, Fault: providertest.Reset}, "connection closed", "Error", true, 0},
		{"malformed SSE", providertest.Reply{Chunks: []string{"1"}, Fault: providertest.MalformedSSE}, "decode", "Warning", false, 0},
		{"wrong content type", providertest.Reply{Chunks: []string{"1"}, Fault: providertest.WrongContentType}, "content type", "Warning", false, 0},
		// What is tested is the size limit: under CI's load (the editor
		// tests running alongside) reading the first megabyte once took
		// longer than 1.5 s, and the deadline answered first.
		{"10 MB answer", providertest.Reply{Chunks: tenMB}, "limit", "Warning", false, 10000},
		{"endless answer", providertest.Reply{Chunks: []string{"ab"}, Fault: providertest.Endless}, "", "", false, 0},
		{"slow but in time", providertest.Reply{Chunks: []string{"1"}, FirstByte: 300 * time.Millisecond}, "", "", false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fake *providertest.Server
			endpoint := "http://" + deadAddr(t) + "/v1"
			if c.name != "refused" {
				fake = providertest.Start(t, script(c.reply))
				endpoint = fake.URL + "/v1"
			}
			deadline := timeoutMs
			if c.deadlineMs > 0 {
				deadline = c.deadlineMs
			}
			s := modelSession(t, endpoint, deadline)
			uri := s.open("file:///w/f.go", "go", "package f\n\nvar x = \n")
			const keys = 5
			failed := 0
			for i := 0; i < keys; i++ {
				res, err := s.keystroke(uri, i).Wait(t, time.Duration(deadline)*time.Millisecond+10*time.Second)
				switch {
				case err != nil:
					failed++
					if err.Message == "" || err.Code != codeRequestFailed {
						t.Errorf("keystroke %d: error %+v", i, err)
					}
					if strings.Contains(err.Message, testKey) {
						t.Errorf("the API key is in the error: %s", err.Message)
					}
				case c.says != "":
					t.Errorf("keystroke %d: succeeded with %s", i, res)
				}
			}
			if c.says == "" && failed > 0 {
				t.Fatalf("%d of %d keystrokes failed", failed, keys)
			}
			if c.says != "" && failed != keys {
				t.Fatalf("%d of %d keystrokes failed", failed, keys)
			}
			calls := s.srv.Engine().Stats.ModelCalls.Load()
			switch {
			case c.breaker && calls != 1:
				t.Errorf("%d model calls for %d keystrokes; the breaker should hold back all but the first", calls, keys)
			case !c.breaker && calls < 1:
				t.Errorf("no model call")
			}
			st := s.statuses()
			shown := s.messages("window/showMessage", "")
			if c.kind == "" {
				if count(st, "Error")+count(st, "Warning") != 0 || len(shown) != 0 {
					t.Errorf("a working endpoint reported trouble: %v %q", st, shown)
				}
			} else {
				if n := count(st, c.kind); n != 1 {
					t.Errorf("%d %s statuses for %d keystrokes (all: %v)", n, c.kind, keys, st)
				}
				if len(shown) != 1 || !strings.Contains(strings.ToLower(shown[0]), strings.ToLower(c.says)) {
					t.Errorf("want one message saying %q, got %q", c.says, shown)
				}
			}
			if fake != nil && !fake.WaitIdle(10*time.Second) {
				t.Errorf("model streams still open")
			}
		})
	}
}

// flipper is a model server that fails until told to recover.
type flipper struct {
	ok   atomic.Bool
	fail providertest.Reply
}

func (f *flipper) script(providertest.Recorded) providertest.Reply {
	if f.ok.Load() {
		return providertest.Text("42\n")
	}
	return f.fail
}

// TestRecovery: the endpoint fails, the breaker opens and holds back the
// next keystroke; the endpoint comes back; once the backoff has passed the
// next request probes it, succeeds, and the status returns to Normal by
// itself, with no action from the user.
func TestRecovery(t *testing.T) {
	for _, name := range []string{"500", "refused"} {
		t.Run(name, func(t *testing.T) {
			f := &flipper{fail: providertest.ErrorReply(500, "boom")}
			var addr string
			if name == "500" {
				fake := providertest.Start(t, f.script)
				addr = strings.TrimPrefix(fake.URL, "http://")
			} else {
				addr = deadAddr(t)
			}
			s := modelSession(t, "http://"+addr+"/v1", 2000)
			uri := s.open("file:///w/f.go", "go", "package f\n\nvar x = \n")
			if _, err := s.keystroke(uri, 0).Wait(t, 10*time.Second); err == nil {
				t.Fatal("failing endpoint: no error")
			}
			if _, err := s.keystroke(uri, 1).Wait(t, 10*time.Second); err == nil || !strings.Contains(err.Message, "retrying in") {
				t.Fatalf("breaker open: got %v", err)
			}
			// The endpoint recovers.
			if name == "refused" {
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Skipf("port %s taken meanwhile: %v", addr, err)
				}
				srv := httptest.NewUnstartedServer(providertest.NewFake(f.script))
				srv.Listener.Close()
				srv.Listener = l
				srv.Start()
				t.Cleanup(srv.Close)
			}
			f.ok.Store(true)
			var got string
			for i := 2; i < 40 && got == ""; i++ {
				res, err := s.keystroke(uri, i).Wait(t, 10*time.Second)
				if err != nil {
					time.Sleep(100 * time.Millisecond) // the backoff is a second after one failure
					continue
				}
				var l struct {
					Items []struct {
						InsertText string `json:"insertText"`
					} `json:"items"`
				}
				_ = json.Unmarshal(res, &l)
				if len(l.Items) == 1 {
					got = l.Items[0].InsertText
				}
			}
			if got != "42" {
				t.Fatalf("completions did not resume: %q", got)
			}
			st := s.statuses()
			if len(st) < 2 || st[len(st)-1] != "Normal" || count(st, "Error") != 1 {
				t.Fatalf("statuses %v: want one Error, then Normal", st)
			}
			if m := s.messages("didChangeStatus", "answering again"); len(m) != 1 {
				t.Errorf("recovery said %d times: %q", len(m), m)
			}
			if calls := s.srv.Engine().Stats.ModelCalls.Load(); calls > 40 {
				t.Errorf("%d model calls", calls)
			}
		})
	}
}
