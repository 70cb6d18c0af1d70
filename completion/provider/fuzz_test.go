package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// bodyDoer answers every request with a 200 event stream whose body is the
// fuzz input: the bytes a broken or hostile model server might send.
type bodyDoer struct{ body []byte }

func (d bodyDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"text/event-stream"}},
		Body:    io.NopCloser(bytes.NewReader(d.body)),
		Request: req,
	}, nil
}

const fuzzKey = "sk-fuzz-secret-0123456789"

var fuzzPrompt = Prompt{
	Path: "a.go", Language: "go",
	Prefix:    "package a\n\nfunc sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\t",
	Suffix:    "\n\t}\n\treturn total\n}\n",
	MaxTokens: 64, Stop: []string{"\n\n"},
}

// FuzzProviderStreams feeds arbitrary bytes as the streamed answer to every
// HTTP backend (OpenAI completions, Ollama and llama.cpp /infill through
// our SSE reader, chat through go-openai's and its cleaner). Whatever
// arrives, a backend returns, with text no larger than the limits allow,
// and fails only with a classified *Error that names neither the API key
// nor the prompt.
func FuzzProviderStreams(f *testing.F) {
	f.Add([]byte("data: {\"object\":\"text_completion\",\"choices\":[{\"text\":\"total += x\",\"index\":0}]}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"```go\\ntotal += x\\n```\"}}]}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("data: {\"content\": \"total\", \"stop\": false}\n\ndata: {\"content\": \" += x\", \"stop\": true}\n\n"))
	f.Add([]byte("error: {\"code\":500,\"message\":\"boom\"}\n\n"))
	f.Add([]byte("data: {\"error\":{\"message\":\"key sk-fuzz-secret-0123456789 is bad\"}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: {not json\n\n"))
	f.Add([]byte(": keep-alive\r\n\r\nevent: message\r\ndata: {\"choices\":[{\"text\":\"\\u00e9\"}]}\r\n\r\n"))
	f.Add([]byte("data: " + strings.Repeat("x", 70000) + "\n\n"))
	f.Add([]byte("data: {\"content\": \"\xff\xfe\", \"stop\": false}\n\n"))
	f.Add(readTestdata(f, "streams/completions-ok.sse"))
	f.Add(readTestdata(f, "streams/completions-error.sse"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":\"length\"}]}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"text\":1}]}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, kind := range []string{"openai", "ollama", "openai-chat", "llamacpp"} {
			prov, err := New(Config{Kind: kind, Endpoint: "http://model.invalid/v1", Model: "qwen2.5-coder:1.5b",
				APIKey: fuzzKey, MaxAnswerBytes: 4096}, WithHTTPClient(bodyDoer{body}))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = prov.Complete(context.Background(), fuzzPrompt, func(s string) bool {
				n += len(s)
				return true
			})
			// Decoding may turn one byte into a three-byte U+FFFD; nothing
			// else makes text out of nothing.
			if n > 3*len(body) || n > 4096 {
				t.Fatalf("%s: %d bytes of answer from a %d-byte stream", kind, n, len(body))
			}
			if err == nil {
				continue
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%s: unclassified error %T: %v", kind, err, err)
			}
			msg := err.Error()
			if strings.Contains(msg, fuzzKey) {
				t.Fatalf("%s: the API key is in the error: %s", kind, msg)
			}
			if quotesPrompt(msg, []string{fuzzPrompt.Prefix, fuzzPrompt.Suffix}) {
				t.Fatalf("%s: the prompt is in the error: %s", kind, msg)
			}
			if !utf8.ValidString(pe.Msg) && utf8.Valid(body) {
				t.Fatalf("%s: message is not UTF-8: %q", kind, pe.Msg)
			}
		}
	})
}

// FuzzTemplateRender renders arbitrary prompts in every template. The
// fill-in-the-middle part is exactly prefix, suffix and the family's
// tokens in the family's order; every context snippet is in the prompt;
// and text typed at the cursor changes only what follows the context and
// the prefix, so the model server's KV cache of the beginning survives.
func FuzzTemplateRender(f *testing.F) {
	f.Add("package a\n\nfunc f() {\n\t", "\n}\n", "a.go", "go", "b.go", "func g() int { return 1 }\n", "x")
	f.Add("", "", "", "", "", "", "")
	f.Add("<|fim_suffix|>", "<fim_middle>", "dir/с файл.py", "python", "../../etc/passwd\n// injected", "<|file_sep|>", "\n")
	f.Add("x := ", "", "page.html", "html", "p.css", "a { }", "1")
	f.Fuzz(func(t *testing.T, prefix, suffix, path, lang, ctxPath, ctxText, typed string) {
		p := Prompt{Path: path, Language: lang, Prefix: prefix, Suffix: suffix,
			Context: []Snippet{{Path: ctxPath, Text: ctxText}}}
		for _, name := range TemplateNames() {
			tm, ok := TemplateByName(name)
			if !ok {
				t.Fatalf("template %q listed but not found", name)
			}
			out := tm.Render(p)
			if out != tm.Render(p) {
				t.Fatalf("%s: rendering is not deterministic", name)
			}
			if ctxText != "" && !strings.Contains(out, ctxText) {
				t.Fatalf("%s: snippet %q missing from %q", name, ctxText, out)
			}
			var fim string
			switch {
			case name == "none":
				fim = prefix
			case tm.SuffixFirst:
				if !strings.HasPrefix(out, tm.Suffix+suffix+tm.Prefix) {
					t.Fatalf("%s: %q does not start with the suffix part", name, out)
				}
				fim = prefix + tm.Middle
			default:
				fim = prefix + tm.Suffix + suffix + tm.Middle
			}
			if !strings.HasSuffix(out, fim) {
				t.Fatalf("%s: %q does not end with %q", name, out, fim)
			}
			head := out[:len(out)-len(fim)]
			// Typing at the cursor: the rendering up to the prefix is the same.
			q := p
			q.Prefix += typed
			if out2 := tm.Render(q); !strings.HasPrefix(out2, head+prefix) {
				t.Fatalf("%s: typing %q changed the head of the prompt:\n%q\n%q", name, typed, out, out2)
			}
		}
	})
}
