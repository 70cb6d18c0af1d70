package provider

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

var readFile = os.ReadFile

// TestRecordedStreams replays recorded provider streams from a real HTTP
// server, byte for byte, to the backend that reads that format.
func TestRecordedStreams(t *testing.T) {
	for _, c := range []struct{ kind, sample string }{
		{"openai", "completions-ok"},
		{"openai", "completions-error"},
		{"ollama", "completions-ok"},
		{"openai-chat", "chat-ok"},
		{"llamacpp", "infill-ok"},
		{"llamacpp", "infill-error"},
	} {
		t.Run(c.kind+"/"+c.sample, func(t *testing.T) {
			body := readTestdata(t, "streams/"+c.sample+".sse")
			want, wantErr, _ := strings.Cut(string(readTestdata(t, "streams/"+c.sample+".txt")), "\n-- error: ")
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			prov := mustNew(t, Config{Kind: c.kind, Endpoint: srv.URL, Model: "m"})
			got, err := complete(t, prov, Prompt{Prefix: "func Add(a, b int) int {\n\t"})
			if strings.Join(got, "") != want {
				t.Errorf("text %q, want %q", strings.Join(got, ""), want)
			}
			if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
				t.Errorf("err = %v, want %q", err, wantErr)
			}
		})
	}
}
