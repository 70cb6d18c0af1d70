// Command fakemodel serves providertest's fake model on a loopback port, so
// tests of the built inkling binary and of real editors have a model to talk
// to: OpenAI-style routes under /v1, llama.cpp's /infill at the root.
//
//	fakemodel -addr 127.0.0.1:0 -reply 'return nil' -requests /tmp/reqs.jsonl
//
// It prints "fakemodel listening on http://ADDR" on stdout once it accepts
// connections. The answer is -reply, or the contents of -reply-file read
// again on every request (so a test can change it between requests).
// -requests appends each request as a JSON line {method,path,header,body}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	reply := flag.String("reply", "", "the answer to every completion request")
	replyFile := flag.String("reply-file", "", "file holding the answer, read on every request (wins over -reply)")
	delay := flag.Duration("delay", 0, "wait between streamed chunks")
	firstByte := flag.Duration("first-byte", 0, "wait before answering")
	status := flag.Int("status", 0, "answer every completion with this HTTP error status")
	requests := flag.String("requests", "", "append every request as a JSON line to this file")
	flag.Parse()

	var logMu sync.Mutex
	script := func(r providertest.Recorded) providertest.Reply {
		if *requests != "" {
			logMu.Lock()
			appendRequest(*requests, r)
			logMu.Unlock()
		}
		if *status != 0 && *status != http.StatusOK {
			return providertest.ErrorReply(*status, http.StatusText(*status))
		}
		text := *reply
		if *replyFile != "" {
			b, err := os.ReadFile(*replyFile)
			if err != nil {
				log.Printf("fakemodel: %v", err)
			}
			text = string(b)
		}
		rep := providertest.Text(text)
		rep.Delay, rep.FirstByte = *delay, *firstByte
		return rep
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("fakemodel: %v", err)
	}
	fake := providertest.NewFake(script)
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("fakemodel listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		fake.Close()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("fakemodel: %v", err)
	}
}

func appendRequest(path string, r providertest.Recorded) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		log.Printf("fakemodel: %v", err)
		return
	}
	defer f.Close()
	line, _ := json.Marshal(map[string]any{
		"method": r.Method, "path": r.Path, "header": r.Header, "body": r.Body,
	})
	_, _ = f.Write(append(line, '\n'))
}
