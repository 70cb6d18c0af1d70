package editortest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/server/lsptest"
)

// TestCyclingOverTheBinary drives the built inkling binary over stdio, as
// the editor plugins do: typing (triggerKind 2) gets the greedy suggestion
// from one model call; an invoked request (next/previous) and Copilot's
// getCompletionsCycling get the greedy one first and distinct samples after.
func TestCyclingOverTheBinary(t *testing.T) {
	for _, kind := range []string{"openai", "llamacpp"} {
		t.Run(kind, func(t *testing.T) {
			fake := providertest.Start(t, providertest.ByTemperature("b int) int {\n", "x, y int) int {\n", "b int) int {   \n"))
			endpoint := fake.URL + "/v1"
			if kind == "llamacpp" {
				endpoint = fake.URL
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "a.go")
			text := "package a\n\nfunc add(a, \n"
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			c := lsptest.Start(t, Inkling(t), []string{"INKLING_PROVIDER=" + kind, "INKLING_ENDPOINT=" + endpoint, "INKLING_MODEL=m"}, "serve")
			c.Initialize("file://"+dir, nil, nil)
			uri := "file://" + file
			c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "go", "version": 1, "text": text}})
			pos := map[string]any{"line": 2, "character": 12}

			inline := func(kind int) []string {
				var res struct {
					Items []struct{ InsertText string } `json:"items"`
				}
				c.MustCall("textDocument/inlineCompletion", map[string]any{"textDocument": map[string]any{"uri": uri},
					"position": pos, "context": map[string]any{"triggerKind": kind}}, &res)
				var out []string
				for _, it := range res.Items {
					out = append(out, it.InsertText)
				}
				return out
			}
			// sampled counts the calls made at a sampling temperature (the
			// server may also make greedy ones of its own, such as a
			// speculative call for the text after acceptance).
			sampled := func() int {
				n := 0
				for _, r := range fake.Requests() {
					if temp, ok := r.Temperature(); ok && temp > providertest.Greedy {
						n++
					}
				}
				return n
			}
			if got := inline(2); len(got) != 1 || got[0] != "b int) int {" {
				t.Fatalf("automatic: %q, want the greedy suggestion alone", got)
			}
			if n := sampled(); n != 0 {
				t.Fatalf("automatic: %d sampled model calls, want none", n)
			}
			got := inline(1)
			if len(got) != 2 || got[0] != "b int) int {" || got[1] != "x, y int) int {" {
				t.Fatalf("invoked: %q, want greedy then the one distinct sample", got)
			}
			var cyc struct {
				Completions []struct{ DisplayText string } `json:"completions"`
			}
			raw, rpcErr := c.Call("getCompletionsCycling", map[string]any{"doc": map[string]any{"uri": uri, "version": 1, "position": pos}})
			if rpcErr != nil {
				t.Fatal(rpcErr)
			}
			if err := json.Unmarshal(raw, &cyc); err != nil {
				t.Fatal(err)
			}
			if len(cyc.Completions) != 2 || cyc.Completions[0].DisplayText != "b int) int {" {
				t.Fatalf("getCompletionsCycling: %+v", cyc.Completions)
			}
			// Two samples for each of the two cycling requests.
			if n := sampled(); n != 4 {
				t.Errorf("%d sampled model calls, want 4", n)
			}
		})
	}
}
