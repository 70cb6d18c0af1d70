package provider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAnswerBeforeStreamEnd: the event that says the answer is complete
// (finish_reason, llama.cpp's "stop": true) ends Complete at once; what
// the stream still sends ([DONE], the chunked body's end) is read in the
// background, and the connection is then reused.
func TestAnswerBeforeStreamEnd(t *testing.T) {
	events := map[string][]string{
		"/v1/completions": {
			`{"object":"text_completion","choices":[{"text":"return a","index":0,"finish_reason":null}]}`,
			`{"object":"text_completion","choices":[{"text":" + b","index":0,"finish_reason":"stop"}]}`,
		},
		"/v1/chat/completions": {
			`{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"return a"},"finish_reason":null}]}`,
			`{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" + b"},"finish_reason":"stop"}]}`,
		},
		"/infill": {
			`{"content":"return a","stop":false}`,
			`{"content":" + b","stop":true}`,
		},
	}
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			release := make(chan struct{}, 4)
			var gaveUp atomic.Bool
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/event-stream")
				for _, ev := range events[r.URL.Path] {
					_, _ = io.WriteString(w, "data: "+ev+"\n\n")
				}
				w.(http.Flusher).Flush()
				// The rest of the stream waits until the test has seen
				// Complete return.
				select {
				case <-release:
				case <-time.After(5 * time.Second):
					gaveUp.Store(true)
				}
				if r.URL.Path != "/infill" {
					_, _ = io.WriteString(w, "data: [DONE]\n\n")
				}
			}))
			defer hs.Close()
			prov := mustNew(t, Config{Kind: k.kind, Endpoint: hs.URL, Model: "m", Template: "none"})
			var reused []bool
			trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			for i := range 2 {
				var got []string
				err := prov.Complete(ctx, Prompt{Prefix: "x", Language: "go"}, func(s string) bool {
					got = append(got, s)
					return true
				})
				// Complete is back with the whole answer while the server
				// still holds the stream's end: had it waited for that
				// end, the handler would have given up first.
				if err != nil || strings.Join(got, "") != "return a + b" || gaveUp.Load() {
					t.Fatalf("request %d: %q, %v (the server gave up waiting: %v)", i, got, err, gaveUp.Load())
				}
				release <- struct{}{}
				drains.Wait()
			}
			if len(reused) != 2 || !reused[1] {
				t.Errorf("connection reuse %v, want the second request on the first one's connection", reused)
			}
		})
	}
}
