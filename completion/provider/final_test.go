package provider

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFinal: each backend calls the WithFinal function once, just before
// the last text of a complete answer: with the event that says so, or with
// an empty text when that event has none or the stream just ends.
func TestFinal(t *testing.T) {
	for _, c := range []struct {
		kind, body string
		final      bool // the last text comes with the end
	}{
		{"openai", `data: {"choices":[{"text":"total +","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"= x","index":0,"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n", true},
		{"openai-chat", `data: {"choices":[{"index":0,"delta":{"content":"total +"},"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"index":0,"delta":{"content":"= x"},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n", true},
		{"llamacpp", `data: {"content": "total +", "stop": false}` + "\n\n" +
			`data: {"content": "= x", "stop": true}` + "\n\n", true},
		{"openai", `data: {"choices":[{"text":"total +","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"= x","index":0,"finish_reason":null}]}` + "\n\n", false},
		// finish_reason in an event of its own, as llama.cpp and vLLM send it.
		{"openai", `data: {"choices":[{"text":"total +","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"= x","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"","index":0,"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n", false},
	} {
		prov, err := New(Config{Kind: c.kind, Endpoint: "http://model.invalid/v1", Model: "qwen2.5-coder:1.5b"},
			WithHTTPClient(bodyDoer{[]byte(c.body)}))
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		ctx := WithFinal(context.Background(), func() { seq = append(seq, "<final>") })
		err = prov.Complete(ctx, fuzzPrompt, func(s string) bool {
			seq = append(seq, s)
			return true
		})
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		got := strings.Join(seq, "|")
		want := "total +|<final>|= x"
		if !c.final {
			want = "total +|= x|<final>|"
		}
		if got != want {
			t.Errorf("%s: %q, want %q", c.kind, got, want)
		}
	}
}

// piecewise is a response body that hands out one piece per Read.
type piecewise struct{ pieces []string }

func (p *piecewise) Read(b []byte) (int, error) {
	if len(p.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.pieces[0])
	p.pieces[0] = p.pieces[0][n:]
	if p.pieces[0] == "" {
		p.pieces = p.pieces[1:]
	}
	return n, nil
}

func (p *piecewise) Close() error { return nil }

type piecewiseDoer struct{ pieces []string }

func (d piecewiseDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"text/event-stream"}},
		Body:    &piecewise{append([]string(nil), d.pieces...)},
		Request: req,
	}, nil
}

// TestWait: the WithWait function is called before each read of the
// stream, so the texts of events that came in one read are all passed
// between two calls of it.
func TestWait(t *testing.T) {
	ev := func(text, finish string) string {
		return `data: {"choices":[{"text":"` + text + `","index":0,"finish_reason":` + finish + `}]}` + "\n\n"
	}
	prov, err := New(Config{Kind: "openai", Endpoint: "http://model.invalid/v1", Model: "m"},
		WithHTTPClient(piecewiseDoer{[]string{ev("total", "null") + ev(" +", "null"), ev("= x", `"stop"`) + "data: [DONE]\n\n"}}))
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	ctx := WithWait(WithFinal(context.Background(), func() { seq = append(seq, "<final>") }),
		func() { seq = append(seq, "<wait>") })
	if err := prov.Complete(ctx, fuzzPrompt, func(s string) bool {
		seq = append(seq, s)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(seq, "|")
	if want := "<wait>|total| +|<wait>|<final>|= x"; !strings.HasPrefix(got, want) {
		t.Errorf("%q, want it to begin %q", got, want)
	}
}
