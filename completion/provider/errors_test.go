package provider

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

const testKey = "sk-test-0123456789abcdef"

func TestErrorClasses(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	withHeader := func(r providertest.Reply, k, v string) providertest.Reply {
		r.Header.Set(k, v)
		return r
	}
	cases := []struct {
		name      string
		reply     providertest.Reply
		kind      Kind
		status    int
		msg       string        // a part the message must have
		retryMin  time.Duration // RetryAfter range
		retryMax  time.Duration
		partsSeen bool // some text arrives before the failure
	}{
		{name: "401", reply: providertest.ErrorReply(401, "Incorrect API key provided: "+testKey+"."),
			kind: KindAuth, status: 401, msg: "Incorrect API key provided"},
		{name: "403", reply: providertest.ErrorReply(403, "Project does not have access to model"),
			kind: KindAuth, status: 403, msg: "does not have access"},
		{name: "429 seconds", reply: withHeader(providertest.ErrorReply(429, "Rate limit reached"), "Retry-After", "7"),
			kind: KindRateLimit, status: 429, msg: "Rate limit reached", retryMin: 7 * time.Second, retryMax: 7 * time.Second},
		{name: "429 date", reply: withHeader(providertest.ErrorReply(429, "slow down"), "Retry-After", date),
			kind: KindRateLimit, status: 429, retryMin: 60 * time.Second, retryMax: 91 * time.Second},
		{name: "500", reply: providertest.ErrorReply(500, "The server had an error"),
			kind: KindServer, status: 500, msg: "The server had an error"},
		{name: "503 retry", reply: withHeader(providertest.ErrorReply(503, "loading model"), "Retry-After", "2"),
			kind: KindServer, status: 503, msg: "loading model", retryMin: 2 * time.Second, retryMax: 2 * time.Second},
		{name: "400", reply: providertest.ErrorReply(400, "'prompt' is too long: 9000 tokens > 8192"),
			kind: KindBadRequest, status: 400, msg: "too long"},
		{name: "404 plain text", reply: providertest.Reply{Status: 404, Body: "404 page not found\n"},
			kind: KindBadRequest, status: 404, msg: "404 page not found"},
		{name: "malformed", reply: providertest.Reply{Chunks: []string{"ok"}, Fault: providertest.MalformedSSE},
			kind: KindMalformed, partsSeen: true},
		{name: "wrong content type", reply: providertest.Reply{Chunks: []string{"ok"}, Fault: providertest.WrongContentType},
			kind: KindMalformed, status: 200, msg: "application/json"},
		{name: "huge", reply: providertest.Reply{Fault: providertest.Huge},
			kind: KindMalformed, msg: "limit", partsSeen: true},
		{name: "reset", reply: providertest.Reply{Chunks: []string{"par", "tial"}, Fault: providertest.Reset},
			kind: KindServer, msg: "closed", partsSeen: true},
		{name: "no first byte", reply: providertest.Reply{FirstByte: time.Minute, Chunks: []string{"late"}},
			kind: KindTimeout, msg: "first-byte"},
		{name: "stall", reply: providertest.Reply{Chunks: []string{"par", "tial"}, Fault: providertest.Stall},
			kind: KindTimeout, msg: "stalled", partsSeen: true},
	}
	for _, k := range kinds {
		for _, c := range cases {
			t.Run(k.kind+"/"+c.name, func(t *testing.T) {
				s := providertest.Start(t, func(providertest.Recorded) providertest.Reply { return c.reply })
				cfg := Config{Kind: k.kind, Endpoint: s.URL, Model: "m", APIKey: testKey}
				if c.kind == KindTimeout {
					// Short deadlines only where the server never answers
					// in time (a minute's wait, or a stall until we leave).
					cfg.FirstByteTimeout, cfg.IdleTimeout = 100*time.Millisecond, 100*time.Millisecond
					if c.name == "stall" {
						// The first piece must arrive before the stall is
						// judged; a loaded CI machine can take longer than
						// 100 ms to send it.
						cfg.FirstByteTimeout = 10 * time.Second
					}
				}
				prov := mustNew(t, cfg)
				got, err := complete(t, prov, Prompt{Prefix: "x", MaxTokens: 100})
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v (%T), want *Error", err, err)
				}
				if pe.Kind != c.kind || pe.Status != c.status || pe.Provider != k.kind {
					t.Errorf("got %s/%d from %q, want %s/%d: %v", pe.Kind, pe.Status, pe.Provider, c.kind, c.status, err)
				}
				if !strings.Contains(pe.Msg, c.msg) {
					t.Errorf("message %q lacks %q", pe.Msg, c.msg)
				}
				if pe.RetryAfter < c.retryMin || pe.RetryAfter > c.retryMax {
					t.Errorf("RetryAfter = %v, want %v..%v", pe.RetryAfter, c.retryMin, c.retryMax)
				}
				if strings.Contains(err.Error(), testKey) {
					t.Errorf("the API key is in the error: %v", err)
				}
				if c.partsSeen != (len(got) > 0) {
					t.Errorf("text before the failure: %q", got)
				}
			})
		}
	}
}

func TestEndlessAnswerStops(t *testing.T) {
	// A server that ignores max_tokens is cut off on our side.
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
				return providertest.Reply{Fault: providertest.Endless}
			})
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			got, err := complete(t, prov, Prompt{Prefix: "x", MaxTokens: 20})
			if err != nil {
				t.Fatal(err)
			}
			if limit := chunksPerTokenCap*20 + 64; len(got) != limit {
				t.Errorf("got %d pieces, want the cap %d", len(got), limit)
			}
			if !s.WaitIdle(10*time.Second) || !s.Requests()[0].Aborted {
				t.Errorf("the endless stream was not closed")
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on: take one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, endpoint := range []string{"http://" + addr + "/v1", "http://inkling-no-such-host.invalid/v1"} {
		for _, k := range kinds {
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: endpoint, Model: "m", APIKey: testKey})
			_, err := complete(t, prov, Prompt{Prefix: "x"})
			var pe *Error
			if !errors.As(err, &pe) || pe.Kind != KindUnreachable {
				t.Errorf("%s at %s: %v, want unreachable", k.kind, endpoint, err)
				continue
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("the key is in %v", err)
			}
		}
	}
}

func TestWholeRequestTimeout(t *testing.T) {
	s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
		r := providertest.Text(strings.Repeat("slow ", 1000))
		r.Delay = 20 * time.Millisecond
		return r
	})
	prov := mustNew(t, Config{Kind: "llamacpp", Endpoint: s.URL, Timeout: 200 * time.Millisecond})
	got, err := complete(t, prov, Prompt{Prefix: "x", MaxTokens: 1000})
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if len(got) == 0 {
		t.Errorf("nothing arrived before the deadline")
	}
}

func TestSlowConsumerIsNotATimeout(t *testing.T) {
	// The idle deadline measures the server, not onText.
	s := providertest.Start(t, providertest.Fixed("a b c"))
	prov := mustNew(t, Config{Kind: "openai", Endpoint: s.URL, Model: "m", IdleTimeout: 20 * time.Millisecond})
	err := prov.Complete(t.Context(), Prompt{Prefix: "x"}, func(string) bool {
		time.Sleep(60 * time.Millisecond)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestErrorMessagesHidePrompt(t *testing.T) {
	prefix := "func secretAlgorithm(input []byte) []byte {\n\treturn transform(input)\n"
	s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
		return providertest.ErrorReply(400, "could not parse request near: "+prefix)
	})
	prov := mustNew(t, Config{Kind: "openai", Endpoint: s.URL, Model: "m"})
	_, err := complete(t, prov, Prompt{Prefix: prefix})
	if err == nil || strings.Contains(err.Error(), "secretAlgorithm") {
		t.Fatalf("err = %v, want one without the prompt", err)
	}
}

func TestScrub(t *testing.T) {
	for _, c := range []struct{ in, key, want string }{
		{"bad key " + testKey, testKey, "bad key [redacted]"},
		{"Incorrect API key provided: sk-proj-abcdefghijklmnop", "", "Incorrect API key provided: [redacted]"},
		{"header was Bearer abc.def", "", "header was Bearer [redacted]"},
		{"two\n  lines", "", "two lines"},
		{strings.Repeat("é", 400), "", strings.Repeat("é", 150) + "…"},
	} {
		if got := scrub(c.in, c.key); got != c.want {
			t.Errorf("scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h    string
		want time.Duration
	}{
		{"", 0}, {"12", 12 * time.Second}, {"1.5", 1500 * time.Millisecond}, {"-3", 0}, {"soon", 0},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := retryAfter(c.h, now); got != c.want {
			t.Errorf("retryAfter(%q) = %v, want %v", c.h, got, c.want)
		}
	}
}
