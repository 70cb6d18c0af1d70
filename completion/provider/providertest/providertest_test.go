package providertest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/quick"
)

func TestChunks(t *testing.T) {
	got := Chunks("func f() {\n\treturn a+b\n}")
	want := []string{"func", " f", "(", ")", " ", "{", "\n", "\treturn", " a", "+", "b", "\n", "}"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Chunks = %q, want %q", got, want)
	}
	// Every text is split without loss.
	if err := quick.Check(func(s string) bool { return strings.Join(Chunks(s), "") == s }, nil); err != nil {
		t.Error(err)
	}
}

// post sends body to path and returns the response's data lines.
func post(t *testing.T, s *Server, path, body string) (*http.Response, []string) {
	t.Helper()
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			lines = append(lines, l)
		}
	}
	return resp, lines
}

func TestWireFormats(t *testing.T) {
	s := Start(t, Fixed("a b"))
	cases := []struct {
		path, body string
		first      string // the first event, exactly
		last       string // the last line
	}{
		{"/v1/completions", `{"model":"m","prompt":"x","stream":true}`,
			`data: {"choices":[{"finish_reason":null,"index":0,"logprobs":null,"text":"a"}],"created":1735689600,"id":"cmpl-fake","model":"m","object":"text_completion"}`,
			"data: [DONE]"},
		{"/v1/chat/completions", `{"model":"m","messages":[],"stream":true}`,
			`data: {"choices":[{"delta":{"content":"a","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1735689600,"id":"chatcmpl-fake","model":"m","object":"chat.completion.chunk"}`,
			"data: [DONE]"},
		{"/infill", `{"input_prefix":"x","input_suffix":"","stream":true}`,
			`data: {"content":"a","id_slot":0,"index":0,"stop":false,"tokens":[],"tokens_evaluated":0,"tokens_predicted":1}`,
			""},
	}
	for _, c := range cases {
		resp, lines := post(t, s, c.path, c.body)
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("%s: content type %q", c.path, ct)
		}
		if len(lines) < 3 || lines[0] != c.first {
			t.Errorf("%s: first event %q\nwant %q", c.path, lines, c.first)
			continue
		}
		last := lines[len(lines)-1]
		if c.last != "" && last != c.last {
			t.Errorf("%s: last line %q", c.path, last)
		}
		if c.path == "/infill" {
			var end map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(last, "data: ")), &end); err != nil || end["stop"] != true {
				t.Errorf("/infill: last event %q", last)
			}
		}
	}
	// Requests are recorded with their decoded bodies.
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[2].Str("input_prefix") != "x" || reqs[0].Method != "POST" {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestServerCuts(t *testing.T) {
	s := Start(t, Fixed("one two\nthree four"))
	_, lines := post(t, s, "/v1/completions", `{"model":"m","prompt":"x","stream":true,"stop":["\n"]}`)
	var text strings.Builder
	finish := ""
	for _, l := range lines {
		var ev struct {
			Choices []struct {
				Text         string  `json:"text"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &ev) == nil && len(ev.Choices) > 0 {
			text.WriteString(ev.Choices[0].Text)
			if ev.Choices[0].FinishReason != nil {
				finish = *ev.Choices[0].FinishReason
			}
		}
	}
	if text.String() != "one two" || finish != "stop" {
		t.Errorf("cut at stop: %q, %q", text.String(), finish)
	}
	_, lines = post(t, s, "/infill", `{"input_prefix":"x","stream":true,"n_predict":2}`)
	if !strings.Contains(lines[len(lines)-1], `"stop_type":"limit"`) || len(lines) != 3 {
		t.Errorf("cut at n_predict: %q", lines)
	}
}

func TestErrorReply(t *testing.T) {
	s := Start(t, func(Recorded) Reply {
		r := ErrorReply(429, "slow down")
		r.Header.Set("Retry-After", "3")
		return r
	})
	resp, lines := post(t, s, "/v1/completions", `{"stream":true}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `"message":"slow down"`) {
		t.Errorf("body %q", lines)
	}
	if resp, _ := post(t, s, "/nowhere", `{}`); resp.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
}

func TestTemperature(t *testing.T) {
	for _, tc := range []struct {
		body string
		want float64
		ok   bool
	}{
		{`{"prompt":"x","temperature":0.8}`, 0.8, true},             // OpenAI, llama.cpp /infill
		{`{"prompt":"x","options":{"temperature":0.3}}`, 0.3, true}, // Ollama /api/generate
		{`{"prompt":"x"}`, 0, false},
	} {
		var r Recorded
		if err := json.Unmarshal([]byte(tc.body), &r.Body); err != nil {
			t.Fatal(err)
		}
		if got, ok := r.Temperature(); got != tc.want || ok != tc.ok {
			t.Errorf("%s: Temperature() = %v, %v; want %v, %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

// TestByTemperature checks over HTTP that greedy requests get the greedy
// answer and sampled ones get the samples in turn.
func TestByTemperature(t *testing.T) {
	s := Start(t, ByTemperature("greedy", "one", "two"))
	text := func(temp string) string {
		_, lines := post(t, s, "/v1/completions", `{"prompt":"p","stream":true,"temperature":`+temp+`}`)
		var b strings.Builder
		for _, l := range lines {
			var ev struct {
				Choices []struct{ Text string } `json:"choices"`
			}
			if json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &ev) == nil && len(ev.Choices) > 0 {
				b.WriteString(ev.Choices[0].Text)
			}
		}
		return b.String()
	}
	got := []string{text("1e-9"), text("0.8"), text("0.8"), text("0.8"), text("0")}
	want := []string{"greedy", "one", "two", "one", "greedy"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("answers = %q, want %q", got, want)
	}
	for i, r := range s.Requests() {
		if _, ok := r.Temperature(); !ok {
			t.Errorf("request %d: no temperature recorded", i)
		}
	}
}
