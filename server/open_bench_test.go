package server

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkOpenLarge is a didOpen of a 10.8 MB document and a request
// after it, answered: how long a client that opens a very large file waits
// for the server to read it (in-process, over pipes).
func BenchmarkOpenLarge(b *testing.B) {
	s := startSession(b, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", "http://127.0.0.1:9/v1", "INKLING_MODEL", "m")})
	s.Initialize("", nil, nil)
	text := strings.Repeat("\tx := fmt.Sprintf(\"%d\", i) // line of code\n", 250000)
	n := 0
	for b.Loop() {
		n++
		uri := fmt.Sprintf("file:///big/%d.txt", n)
		s.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "plaintext", "version": 1, "text": text}})
		if _, err := s.Call("inkling/status", nil); err != nil {
			b.Fatal(err)
		}
		s.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	}
}
