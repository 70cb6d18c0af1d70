package provider

import (
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// TestPromptTemperature checks that every HTTP backend sends the prompt's
// temperature in its own wire format when one is set, and the configured
// one otherwise, and that the answer follows it.
func TestPromptTemperature(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, providertest.ByTemperature("a + b", "b + a"))
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL + "/v1", Model: "qwen2.5-coder:1.5b", Temperature: 0.4})
			p := goPrompt
			p.Stop = nil
			var answers []string
			for _, temp := range []float64{0, 0.8} {
				p.Temperature = temp
				got, err := complete(t, prov, p)
				if err != nil {
					t.Fatal(err)
				}
				answers = append(answers, strings.Join(got, ""))
			}
			reqs := s.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			for i, want := range []float64{0.4, 0.8} {
				got, ok := reqs[i].Temperature()
				// go-openai sends float32: compare loosely.
				if !ok || got < want-1e-6 || got > want+1e-6 {
					t.Errorf("request %d: temperature %v (sent: %v), want %v", i, got, ok, want)
				}
			}
			if answers[0] != "b + a" || answers[1] != "b + a" {
				// Both are above providertest.Greedy: both are samples.
				t.Errorf("answers %q", answers)
			}
		})
	}
}

// TestGreedyByDefault checks that a prompt without a temperature, on a
// backend configured with none, is decoded greedily: some value at or near
// zero goes on the wire, never the server's default.
func TestGreedyByDefault(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, providertest.ByTemperature("a + b", "b + a"))
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL + "/v1", Model: "qwen2.5-coder:1.5b"})
			p := goPrompt
			p.Stop = nil
			got, err := complete(t, prov, p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "") != "a + b" {
				t.Errorf("answer %q, want the greedy one", strings.Join(got, ""))
			}
			if temp, ok := s.Requests()[0].Temperature(); !ok || temp > providertest.Greedy {
				t.Errorf("temperature %v (sent: %v), want greedy", temp, ok)
			}
		})
	}
}
