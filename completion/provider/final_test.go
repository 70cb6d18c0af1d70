package provider

import (
	"context"
	"strings"
	"testing"
)

// TestFinal: each backend calls the WithFinal function once, just before
// the last text of an answer the model said was complete; not at all for a
// stream that just stops.
func TestFinal(t *testing.T) {
	for _, c := range []struct {
		kind, body string
		final      bool
	}{
		{"openai", `data: {"choices":[{"text":"total +","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"= x","index":0,"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n", true},
		{"openai-chat", `data: {"choices":[{"index":0,"delta":{"content":"total +"},"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"index":0,"delta":{"content":"= x"},"finish_reason":"stop"}]}` + "\n\ndata: [DONE]\n\n", true},
		{"llamacpp", `data: {"content": "total +", "stop": false}` + "\n\n" +
			`data: {"content": "= x", "stop": true}` + "\n\n", true},
		{"openai", `data: {"choices":[{"text":"total +","index":0,"finish_reason":null}]}` + "\n\n" +
			`data: {"choices":[{"text":"= x","index":0,"finish_reason":null}]}` + "\n\n", false},
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
			want = "total +|= x"
		}
		if got != want {
			t.Errorf("%s: %q, want %q", c.kind, got, want)
		}
	}
}
