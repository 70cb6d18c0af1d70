package provider

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
)

// TestDirectRetriesClosedIdle: a kept-alive connection that the server
// closes as the next request arrives (its keep-alive timeout) costs no
// error: the request is sent again, once, on a new connection.
func TestDirectRetriesClosedIdle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies []string
	conns := 0
	// The accept loop counts itself, so that the count can't fall to zero
	// (and Wait return) while it may still add a connection.
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			n := conns
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for i := 0; ; i++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, _ := io.ReadAll(req.Body)
					mu.Lock()
					bodies = append(bodies, string(body))
					mu.Unlock()
					if n == 1 && i == 1 {
						return // the first connection dies under its second request
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()

	tr := newDirectTransport(sharedTransport, newSpareDialer((&net.Dialer{}).DialContext, spareMaxAge))
	defer tr.CloseIdleConnections()
	defer tr.spares.closeAll()
	var reused []bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }})
	for i, body := range []string{"one", "two"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ln.Addr().String()+"/v1/completions", strings.NewReader(body))
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(got) != "ok" {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// "two" went out twice: on the kept connection, then on a new one.
	if strings.Join(bodies, ",") != "one,two,two" || len(reused) != 3 || !reused[1] || reused[2] {
		t.Errorf("server saw %q; connections reused %v", bodies, reused)
	}
}

// TestDirectEarlyStopDropsConnection: a body closed before its end closes
// its connection (the server must stop generating) and is not reused.
func TestDirectEarlyStopDropsConnection(t *testing.T) {
	gone := make(chan struct{})
	hs := newEndless(t, gone)
	tr := newDirectTransport(sharedTransport, newSpareDialer((&net.Dialer{}).DialContext, spareMaxAge))
	defer tr.CloseIdleConnections()
	defer tr.spares.closeAll()
	resp, err := (&http.Client{Transport: tr}).Get(hs)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-gone // the server saw the client leave
	tr.mu.Lock()
	idle := len(tr.idle)
	tr.mu.Unlock()
	if idle != 0 {
		t.Errorf("%d idle connections after an early stop", idle)
	}
}

// newEndless serves a chunked body that never ends; gone is closed when
// the client has left.
func newEndless(t *testing.T, gone chan struct{}) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for {
			if _, err := io.WriteString(c, "a\r\n0123456789\r\n"); err != nil {
				close(gone)
				return
			}
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// TestDirectRequestHead: a backend's request, written head and body in one
// write by the direct transport, reaches a real HTTP server whole: method,
// path, Host, User-Agent, length, the configured headers, and a header
// value with a line break in it stays one header.
func TestDirectRequestHead(t *testing.T) {
	type seen struct {
		method, path, host, agent, team, injected, auth string
		length                                          int64
		body                                            string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.Host, r.UserAgent(), r.Header.Get("X-Team"), r.Header.Get("X-Injected"),
			r.Header.Get("Authorization"), r.ContentLength, string(body)}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"choices\":[{\"index\":0,\"text\":\"ok\",\"finish_reason\":\"stop\"}]}\n\n")
	}))
	defer srv.Close()
	prov := mustNew(t, Config{Kind: "openai", Endpoint: srv.URL, Model: "m", APIKey: "sk-k",
		Headers: map[string]string{"X-Team": "a\r\nX-Injected: 1"}})
	if _, err := complete(t, prov, Prompt{Prefix: "x := ", MaxTokens: 8}); err != nil {
		t.Fatal(err)
	}
	s := <-got
	want := seen{method: "POST", path: "/v1/completions", host: strings.TrimPrefix(srv.URL, "http://"), agent: "Go-http-client/1.1",
		team: "a  X-Injected: 1", auth: "Bearer sk-k", length: int64(len(s.body)), body: s.body}
	if s != want {
		t.Errorf("server saw\n%+v\nwant\n%+v", s, want)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(s.body), &body); err != nil || body["prompt"] != "x := " {
		t.Errorf("body %s: %v", s.body, err)
	}
}
