package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// kinds are the HTTP backends with the route each one posts to.
var kinds = []struct{ kind, path string }{
	{"openai", "/v1/completions"},
	{"ollama", "/v1/completions"},
	{"openai-chat", "/v1/chat/completions"},
	{"llamacpp", "/infill"},
}

func TestStreamsInOrder(t *testing.T) {
	answer := "return a + b // sum\n"
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, providertest.Fixed(answer))
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL + "/v1", Model: "qwen2.5-coder:1.5b"})
			p := goPrompt
			p.Stop = nil
			got, err := complete(t, prov, p)
			if err != nil {
				t.Fatal(err)
			}
			// The answer arrives piece by piece, in the server's order.
			if diff := cmp.Diff(providertest.Chunks(answer), got); diff != "" {
				t.Errorf("pieces (-sent +received):\n%s", diff)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Path != k.path || reqs[0].Method != "POST" {
				t.Fatalf("requests: %+v", reqs)
			}
			if stream, _ := reqs[0].Body["stream"].(bool); !stream {
				t.Errorf("stream = %v, want true", reqs[0].Body["stream"])
			}
			if prov.Name() != k.kind {
				t.Errorf("Name() = %q", prov.Name())
			}
		})
	}
}

func TestCompletionsRequest(t *testing.T) {
	s := providertest.Start(t, providertest.Fixed("a + b"))
	prov := mustNew(t, Config{Kind: "openai", Endpoint: s.URL, Model: "Qwen2.5-Coder-7B", APIKey: "sk-test-key",
		Headers: map[string]string{"X-Team": "inkling"}})
	p := goPrompt
	p.MaxTokens = 64
	if _, err := complete(t, prov, p); err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	tmpl, _ := TemplateByName("qwen2.5-coder")
	if r.Str("model") != "Qwen2.5-Coder-7B" {
		t.Errorf("model = %q", r.Str("model"))
	}
	if want := tmpl.Render(p); r.Str("prompt") != want {
		t.Errorf("prompt = %q, want the qwen rendering %q", r.Str("prompt"), want)
	}
	if _, ok := r.Body["suffix"]; ok {
		t.Errorf("suffix sent with a FIM template: %q", r.Str("suffix"))
	}
	if diff := cmp.Diff(tmpl.Stops(p), r.Strs("stop")); diff != "" {
		t.Errorf("stop (-want +got):\n%s", diff)
	}
	if n, _ := r.Num("max_tokens"); n != 64 {
		t.Errorf("max_tokens = %v", n)
	}
	if temp, ok := r.Num("temperature"); !ok || temp != 0 {
		// Sent, unlike go-openai's omitempty: left out, the server's
		// default (often 0.7 or 1) would apply.
		t.Errorf("temperature = %v (present %v), want 0", temp, ok)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sk-test-key" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("X-Team"); got != "inkling" {
		t.Errorf("X-Team = %q", got)
	}
}

func TestSuffixField(t *testing.T) {
	// Ollama by default, and any kind with template "none", send the suffix
	// in its own field and the context as comments in the prompt.
	for _, cfg := range []Config{
		{Kind: "ollama", Model: "qwen2.5-coder:1.5b-base"},
		{Kind: "openai", Model: "gpt-3.5-turbo-instruct"},
		{Kind: "openai", Model: "deepseek-coder", Template: "none"},
	} {
		t.Run(cfg.Kind+"/"+cfg.Model, func(t *testing.T) {
			s := providertest.Start(t, providertest.Fixed("x"))
			cfg.Endpoint = s.URL + "/v1/"
			p := goPrompt
			if _, err := complete(t, mustNew(t, cfg), p); err != nil {
				t.Fatal(err)
			}
			r := s.Requests()[0]
			if r.Str("suffix") != p.Suffix {
				t.Errorf("suffix = %q, want %q", r.Str("suffix"), p.Suffix)
			}
			wantPrompt := "// Path: calc/types.go\ntype Num int\n\n// Path: calc/add.go\n" + p.Prefix
			if r.Str("prompt") != wantPrompt {
				t.Errorf("prompt = %q, want %q", r.Str("prompt"), wantPrompt)
			}
			if diff := cmp.Diff([]string{"\n"}, r.Strs("stop")); diff != "" {
				t.Errorf("stop (-want +got):\n%s", diff)
			}
			// An empty suffix is still sent, or Ollama would not do FIM.
			p.Suffix = ""
			if _, err := complete(t, mustNew(t, cfg), p); err != nil {
				t.Fatal(err)
			}
			if r := s.Requests()[1]; r.Str("suffix") != "\n" {
				t.Errorf("empty suffix sent as %q", r.Str("suffix"))
			}
		})
	}
}

func TestOpenAIStopLimit(t *testing.T) {
	// OpenAI's own API takes 4 stop strings; the rest apply on our side.
	s := providertest.Start(t, providertest.Fixed("a<|fim_pad|>b"))
	prov, err := New(Config{Kind: "openai", Model: "qwen-coder", Endpoint: s.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	prov.(*completions).maxStops = 4 // as for api.openai.com
	got, err := complete(t, prov, goPrompt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()[0].Strs("stop")); n != 4 {
		t.Errorf("sent %d stop strings, want 4", n)
	}
	if strings.Join(got, "") != "a" {
		t.Errorf("answer %q, want it cut at the fifth stop string", strings.Join(got, ""))
	}
}

func TestLlamaCppRequest(t *testing.T) {
	s := providertest.Start(t, providertest.Fixed("a + b"))
	prov := mustNew(t, Config{Kind: "llamacpp", Endpoint: s.URL + "/v1", APIKey: "secret", Temperature: 0})
	p := goPrompt
	p.MaxTokens = 32
	if _, err := complete(t, prov, p); err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	if r.Str("input_prefix") != "// Path: calc/add.go\n"+p.Prefix || r.Str("input_suffix") != p.Suffix {
		t.Errorf("input_prefix %q, input_suffix %q", r.Str("input_prefix"), r.Str("input_suffix"))
	}
	wantExtra := []any{map[string]any{"filename": "calc/types.go", "text": "type Num int\n"}}
	if diff := cmp.Diff(wantExtra, r.Body["input_extra"]); diff != "" {
		t.Errorf("input_extra (-want +got):\n%s", diff)
	}
	if n, _ := r.Num("n_predict"); n != 32 {
		t.Errorf("n_predict = %v", n)
	}
	if c, _ := r.Body["cache_prompt"].(bool); !c {
		t.Errorf("cache_prompt = %v", r.Body["cache_prompt"])
	}
	if temp, ok := r.Num("temperature"); !ok || temp != 0 {
		t.Errorf("temperature = %v (present %v), want 0 sent as is", temp, ok)
	}
	if diff := cmp.Diff([]string{"\n"}, r.Strs("stop")); diff != "" {
		t.Errorf("stop (-want +got):\n%s", diff)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer secret" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestServerStopsAndLimits(t *testing.T) {
	// The fake cuts at stop strings and max_tokens as real servers do; the
	// backends pass on exactly what arrives.
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, providertest.Fixed("one two\nthree four five six"))
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			got, err := complete(t, prov, Prompt{Prefix: "x", Stop: []string{"\n"}})
			if err != nil || strings.Join(got, "") != "one two" {
				t.Errorf("with stop: %q, %v", strings.Join(got, ""), err)
			}
			got, err = complete(t, prov, Prompt{Prefix: "x", MaxTokens: 3})
			want := 3
			if k.kind == "openai-chat" {
				want = 7 // max_tokens has room for a fence the cleaner drops
				if n, _ := s.Requests()[1].Num("max_tokens"); n != 3+chatSlack {
					t.Errorf("chat max_tokens = %v, want %d", n, 3+chatSlack)
				}
			}
			if err != nil || len(got) != want {
				t.Errorf("with max tokens 3: %q, %v", got, err)
			}
		})
	}
}

func TestEarlyStop(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
				r := providertest.Text(strings.Repeat("word ", 200))
				r.Delay = time.Millisecond
				return r
			})
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			var got []string
			err := prov.Complete(context.Background(), Prompt{Prefix: "x", MaxTokens: 500}, func(s string) bool {
				got = append(got, s)
				return len(got) < 2
			})
			if err != nil {
				t.Fatalf("Complete after an early stop = %v, want nil", err)
			}
			if len(got) != 2 {
				t.Errorf("onText called %d times after returning false once", len(got))
			}
			// The server sees the client leave before its answer ends.
			if !s.WaitIdle(10 * time.Second) {
				t.Fatal("the server is still answering")
			}
			if r := s.Requests()[0]; !r.Aborted {
				t.Errorf("the connection was not closed: %+v", r)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
				r := providertest.Text(strings.Repeat("word ", 100))
				r.Delay = 5 * time.Millisecond
				return r
			})
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			err := prov.Complete(ctx, Prompt{Prefix: "x", MaxTokens: 500}, func(string) bool {
				n++
				if n == 3 {
					cancel()
				}
				return true
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Complete after cancel = %v, want context.Canceled", err)
			}
			var pe *Error
			if errors.As(err, &pe) {
				t.Errorf("the caller's cancellation came back as a provider error: %v", pe)
			}
			if !s.WaitIdle(10 * time.Second) {
				t.Fatal("the server is still answering")
			}
			if r := s.Requests()[0]; !r.Aborted {
				t.Errorf("cancel did not close the connection: %+v", r)
			}
		})
	}
}

func TestCancelBeforeFirstByte(t *testing.T) {
	s := providertest.Start(t, func(providertest.Recorded) providertest.Reply {
		return providertest.Reply{FirstByte: time.Minute, Chunks: []string{"late"}}
	})
	prov := mustNew(t, Config{Kind: "openai", Endpoint: s.URL, Model: "m"})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the server holds the request.
		for len(s.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := prov.Complete(ctx, Prompt{Prefix: "x"}, func(string) bool { return true })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestEndpoints(t *testing.T) {
	for _, c := range []struct{ in, def, want string }{
		{"", defaultOpenAIEndpoint, "https://api.openai.com/v1"},
		{"http://127.0.0.1:8080", defaultOpenAIEndpoint, "http://127.0.0.1:8080/v1"},
		{"http://127.0.0.1:8080/", defaultOpenAIEndpoint, "http://127.0.0.1:8080/v1"},
		{"http://127.0.0.1:8080/v1/", defaultOpenAIEndpoint, "http://127.0.0.1:8080/v1"},
		{"http://h/v1/completions", defaultOpenAIEndpoint, "http://h/v1"},
		{"http://h/v1/chat/completions", defaultOpenAIEndpoint, "http://h/v1"},
		{"https://api.deepseek.com/beta", defaultOpenAIEndpoint, "https://api.deepseek.com/beta"},
		{"https://openrouter.ai/api/v1", defaultOpenAIEndpoint, "https://openrouter.ai/api/v1"},
		{"", defaultOllamaEndpoint, "http://127.0.0.1:11434/v1"},
	} {
		got, err := openAIBase(c.in, c.def)
		if err != nil || got != c.want {
			t.Errorf("openAIBase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:8012", "http://127.0.0.1:8012"},
		{"http://127.0.0.1:8012/v1", "http://127.0.0.1:8012"},
		{"http://127.0.0.1:8012/infill", "http://127.0.0.1:8012"},
		{"https://gpu.example/llama/", "https://gpu.example/llama"},
	} {
		got, err := llamaRoot(c.in)
		if err != nil || got != c.want {
			t.Errorf("llamaRoot(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"localhost:8080", "ftp://h/v1", "http://"} {
		if _, err := openAIBase(bad, defaultOpenAIEndpoint); err == nil || !strings.Contains(err.Error(), "`endpoint`") {
			t.Errorf("openAIBase(%q) error = %v, want one naming `endpoint`", bad, err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string // the setting the error must name
	}{
		{Config{}, "`provider`"},
		{Config{Kind: "gpt"}, "`provider`"},
		{Config{Kind: "openai"}, "`model`"},
		{Config{Kind: "ollama", Endpoint: "http://h"}, "`model`"},
		{Config{Kind: "openai", Model: "m", Template: "fancy"}, "`template`"},
		{Config{Kind: "openai", Model: "m", Temperature: 3}, "`temperature`"},
		{Config{Kind: "llamacpp", Endpoint: "127.0.0.1:8080"}, "`endpoint`"},
		{Config{Kind: "local"}, "local"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	for _, cfg := range []Config{
		{Kind: "LlamaCpp"}, {Kind: "llama.cpp"}, {Kind: " openai ", Model: "m"}, {Kind: "chat", Model: "gpt-4o"},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
}

type fakeLocal struct{ cfg Config }

func (f fakeLocal) Name() string { return "local" }
func (f fakeLocal) Complete(context.Context, Prompt, func(string) bool) error {
	return nil
}

func TestRegister(t *testing.T) {
	Register("test-local", func(cfg Config) (Provider, error) { return fakeLocal{cfg}, nil })
	t.Cleanup(func() {
		registryMu.Lock()
		delete(registry, "test-local")
		registryMu.Unlock()
	})
	p, err := New(Config{Kind: "Test-Local", Model: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := p.(fakeLocal); !ok || f.cfg.Model != "tiny" {
		t.Errorf("New built %#v", p)
	}
	if !strings.Contains(strings.Join(Kinds(), ","), "test-local") {
		t.Errorf("Kinds() = %v", Kinds())
	}
	for _, kind := range []string{"openai", "test-local"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", kind)
				}
			}()
			Register(kind, nil)
		}()
	}
}

func TestPreview(t *testing.T) {
	r, err := Preview(Config{Kind: "openai", Endpoint: "http://127.0.0.1:9/", Model: "deepseek-coder-6.7b-base"}, goPrompt)
	if err != nil {
		t.Fatal(err)
	}
	if r.URL != "http://127.0.0.1:9/v1/completions" || !strings.HasPrefix(r.Text, "<｜fim▁begin｜>") {
		t.Errorf("preview: %s %q", r.URL, r.Text)
	}
	if !strings.Contains(string(r.Body), `"stream":true`) {
		t.Errorf("body %s", r.Body)
	}

	// OpenAI's own API: four stop strings sent, all of them applied.
	r, err = Preview(Config{Kind: "openai", Model: "qwen2.5-coder"}, goPrompt)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Stop []string }
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Stop) != 4 || len(r.Stop) != 10 {
		t.Errorf("stops sent %q, applied %q", body.Stop, r.Stop)
	}

	// Reasoning models take max_completion_tokens and no temperature.
	r, err = Preview(Config{Kind: "openai-chat", Model: "o3-mini"}, goPrompt)
	if err != nil {
		t.Fatal(err)
	}
	var chatBody map[string]any
	_ = json.Unmarshal(r.Body, &chatBody)
	if _, ok := chatBody["max_completion_tokens"]; !ok || chatBody["max_tokens"] != nil || chatBody["temperature"] != nil {
		t.Errorf("o3-mini body %s", r.Body)
	}
}

func TestConnectionReused(t *testing.T) {
	// A stream that ends normally leaves its connection for the next request
	// (the end of the chunked body is read, in the background, before
	// closing; a typist's next request comes well after that).
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, providertest.Fixed(strings.Repeat("x := y + z ", 20)))
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m"})
			var reused []bool
			trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			for range 3 {
				if err := prov.Complete(ctx, Prompt{Prefix: "x", MaxTokens: 500}, func(string) bool { return true }); err != nil {
					t.Fatal(err)
				}
				drains.Wait()
			}
			if diff := cmp.Diff([]bool{false, true, true}, reused); diff != "" {
				t.Errorf("connection reuse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	// One provider serves the engine's overlapping requests.
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			s := providertest.Start(t, func(r providertest.Recorded) providertest.Reply {
				return providertest.Text("answer to " + r.Str("prompt") + r.Str("input_prefix"))
			})
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: s.URL, Model: "m", Template: "none"})
			errs := make(chan error, 8)
			for i := range 8 {
				go func() {
					got, err := complete(t, prov, Prompt{Prefix: strings.Repeat("x", i+1)})
					if err == nil && !strings.HasPrefix(strings.Join(got, ""), "answer to") {
						err = errors.New("wrong answer " + strings.Join(got, ""))
					}
					errs <- err
				}()
			}
			for range 8 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
