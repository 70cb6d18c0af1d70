// Package providertest is a fake model server for tests. It speaks the wire
// formats Inkling's backends talk to, as the providers document them:
//
//   - OpenAI /v1/completions with stream:true (also what Ollama, vLLM and
//     llama.cpp serve on their OpenAI-compatible endpoints): SSE lines
//     `data: {"object":"text_completion","choices":[{"text":..}]}`, a last
//     chunk carrying finish_reason, then `data: [DONE]`;
//   - OpenAI /v1/chat/completions: the same with choices[0].delta.content;
//   - llama.cpp /infill: `data: {"content":..,"stop":false}` lines and a last
//     one with "stop":true and the generation summary, no [DONE].
//
// Like a real server it cuts the answer at max_tokens (n_predict) and at the
// request's stop strings. Every request is recorded, and a script decides the
// reply from the request, including failures: an HTTP error status, a stall,
// a reset connection, a malformed stream, a wrong content type, a huge or an
// endless answer.
//
// It does not import the provider package, so any package's tests can use it,
// and cmd/fakemodel serves it on a port for tests of the built binary.
package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Recorded is one request the fake received.
type Recorded struct {
	Method string
	Path   string
	Header http.Header
	Raw    []byte         // the request body as sent
	Body   map[string]any // Raw decoded as a JSON object (nil if it was not one)

	// Set when the fake has finished with the request (see WaitIdle).
	Done    bool
	Aborted bool // the client went away before the answer was complete
}

// Str returns the string field key of the body, or "".
func (r Recorded) Str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// Num returns the numeric field key of the body and whether it was present.
func (r Recorded) Num(key string) (float64, bool) {
	f, ok := r.Body[key].(float64)
	return f, ok
}

// Temperature is the sampling temperature the request asked for, wherever
// its wire format puts it: top-level `temperature` (OpenAI completions and
// chat, llama.cpp /infill) or `options.temperature` (Ollama's native API).
// ok is false when the request sent none, which servers treat as their
// default (often 0.7 or more).
func (r Recorded) Temperature() (t float64, ok bool) {
	if t, ok = r.Num("temperature"); ok {
		return t, true
	}
	if o, isMap := r.Body["options"].(map[string]any); isMap {
		t, ok = o["temperature"].(float64)
	}
	return t, ok
}

// Greedy is the highest temperature that ByTemperature answers as greedy
// decoding: go-openai cannot send 0, and a low configured temperature (such
// as Inkling's default 0.1) is near-greedy in practice.
const Greedy = 0.3

// ByTemperature is a script that answers like a model that samples: a
// greedy request (temperature at most Greedy) gets greedy, and each request
// at a higher temperature gets the next of samples in turn, cycling. With
// no samples every request gets greedy.
func ByTemperature(greedy string, samples ...string) func(Recorded) Reply {
	var mu sync.Mutex
	next := 0
	return func(r Recorded) Reply {
		if t, ok := r.Temperature(); (ok && t <= Greedy) || len(samples) == 0 {
			return Text(greedy)
		}
		mu.Lock()
		s := samples[next%len(samples)]
		next++
		mu.Unlock()
		return Text(s)
	}
}

// Strs returns the field key of the body as a list of strings. A single
// string (the API allows `"stop": "\n"`) becomes a list of one.
func (r Recorded) Strs(key string) []string {
	switch v := r.Body[key].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Fault is a way the answer goes wrong.
type Fault int

const (
	NoFault          Fault = iota
	Reset                  // after the chunks, drop the connection without ending the stream
	Stall                  // after the chunks, send nothing more until the client leaves
	MalformedSSE           // after the first chunk, a data line that is not valid JSON
	WrongContentType       // 200 with application/json and a non-streamed body
	Huge                   // the chunks are replaced by HugeSize bytes of text
	Endless                // chunks forever, ignoring max_tokens and stop strings
)

// HugeSize is the length of the answer a Huge fault sends: beyond any sane
// client's limit (Inkling stops at 1 MiB).
const HugeSize = 4 << 20

// Reply is the fake's answer to one request.
type Reply struct {
	Chunks    []string      // the answer, one streamed event per chunk
	FirstByte time.Duration // wait before sending anything, headers included
	Delay     time.Duration // wait between chunks

	// An error answer: when Status is set and not 200 the fake sends Status,
	// Header and Body (see ErrorReply) and no stream.
	Status int
	Header http.Header
	Body   string

	Fault Fault

	// Finish is the finish_reason of the last chunk: "stop" unless the
	// answer was cut at max_tokens ("length").
	Finish string
}

// Text is a Reply that streams s in small token-like chunks.
func Text(s string) Reply { return Reply{Chunks: Chunks(s)} }

// Fixed is a script that answers every request with s.
func Fixed(s string) func(Recorded) Reply {
	return func(Recorded) Reply { return Text(s) }
}

// Chunks splits s the way a tokenizer-driven stream arrives: a run of
// spaces stays glued to the word after it, punctuation and newlines are
// their own pieces.
func Chunks(s string) []string {
	var out []string
	start := 0
	inWord := false
	for i, r := range s {
		word := r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf
		space := r == ' ' || r == '\t'
		switch {
		case word && inWord:
			continue
		case word:
			// A word begins; leading spaces (still pending) join it.
			if i > start && strings.Trim(s[start:i], " \t") != "" {
				out = append(out, s[start:i])
				start = i
			}
			inWord = true
		case space:
			if inWord || (i > start && strings.Trim(s[start:i], " \t") != "") {
				out = append(out, s[start:i])
				start = i
			}
			inWord = false
		default: // punctuation, newline: a piece of its own
			if i > start {
				out = append(out, s[start:i])
			}
			out = append(out, string(r))
			start = i + utf8.RuneLen(r)
			inWord = false
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// ErrorReply is an HTTP error answer with the body OpenAI-compatible servers
// send: {"error":{"message","type","param","code"}}. llama.cpp, vLLM and
// Ollama use the same object (llama.cpp puts the status number in code).
func ErrorReply(status int, msg string) Reply {
	typ, code := "invalid_request_error", any(nil)
	switch {
	case status == 401:
		code = "invalid_api_key"
	case status == 403:
		typ = "permission_error"
	case status == 404:
		code = "model_not_found"
	case status == 429:
		typ, code = "requests", "rate_limit_exceeded"
	case status >= 500:
		typ = "server_error"
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": code,
	}})
	return Reply{Status: status, Body: string(b), Header: http.Header{"Content-Type": {"application/json"}}}
}

// Fake is the scripted model server as an http.Handler.
type Fake struct {
	script func(Recorded) Reply
	quit   chan struct{}
	once   sync.Once

	mu     sync.Mutex
	cond   *sync.Cond
	reqs   []Recorded
	active int
}

// NewFake returns a fake whose replies come from script. A nil script
// answers every request with an empty completion.
func NewFake(script func(Recorded) Reply) *Fake {
	f := &Fake{script: script, quit: make(chan struct{})}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// Requests returns a copy of every request received so far, in order.
func (f *Fake) Requests() []Recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Recorded(nil), f.reqs...)
}

// WaitIdle waits until no request is being answered, or timeout passes,
// and reports whether the fake is idle. Tests use it before reading Done
// and Aborted of the requests.
func (f *Fake) WaitIdle(timeout time.Duration) bool {
	t := time.AfterFunc(timeout, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer t.Stop()
	deadline := time.Now().Add(timeout)
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.active > 0 && time.Now().Before(deadline) {
		f.cond.Wait()
	}
	return f.active == 0
}

// Close ends every stalled or endless answer; call it before closing the
// HTTP server, which waits for handlers.
func (f *Fake) Close() { f.once.Do(func() { close(f.quit) }) }

// Server is a Fake served by httptest.
type Server struct {
	*Fake
	// URL is the server's root, e.g. http://127.0.0.1:PORT. The OpenAI
	// routes are under URL+"/v1", llama.cpp's /infill under URL.
	URL string
	srv *httptest.Server
}

// NewServer starts a fake on a loopback port. Close it when done.
func NewServer(script func(Recorded) Reply) *Server {
	f := NewFake(script)
	s := httptest.NewServer(f)
	return &Server{Fake: f, URL: s.URL, srv: s}
}

// Start is NewServer closed by t.Cleanup.
func Start(t testing.TB, script func(Recorded) Reply) *Server {
	s := NewServer(script)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and waits for its handlers.
func (s *Server) Close() {
	s.Fake.Close()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// The wire format of a route.
type format int

const (
	formatCompletions format = iota
	formatChat
	formatInfill
)

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw}
	_ = json.Unmarshal(raw, &rec.Body)

	f.mu.Lock()
	i := len(f.reqs)
	f.reqs = append(f.reqs, rec)
	f.active++
	f.mu.Unlock()

	aborted := false
	defer func() {
		f.mu.Lock()
		f.reqs[i].Done = true
		f.reqs[i].Aborted = aborted
		f.active--
		f.cond.Broadcast()
		f.mu.Unlock()
	}()

	var fm format
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/health" || r.URL.Path == "/v1/health"):
		writeJSON(w, 200, map[string]any{"status": "ok"})
		return
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		writeJSON(w, 200, map[string]any{"object": "list", "data": []any{
			map[string]any{"id": "fake-model", "object": "model", "created": 0, "owned_by": "providertest"},
		}})
		return
	case r.Method == http.MethodPost && (r.URL.Path == "/v1/completions" || r.URL.Path == "/completions"):
		fm = formatCompletions
	case r.Method == http.MethodPost && (r.URL.Path == "/v1/chat/completions" || r.URL.Path == "/chat/completions"):
		fm = formatChat
	case r.Method == http.MethodPost && r.URL.Path == "/infill":
		fm = formatInfill
	default:
		writeReply(w, ErrorReply(http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)))
		return
	}
	if rec.Body == nil {
		writeReply(w, ErrorReply(http.StatusBadRequest, "request body is not a JSON object"))
		return
	}

	reply := Reply{}
	if f.script != nil {
		reply = f.script(rec)
	}
	done := r.Context().Done()
	if !f.sleep(done, reply.FirstByte) {
		aborted = true
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeReply(w, reply)
		return
	}
	aborted = !f.answer(w, r, fm, rec, reply)
}

// sleep waits d and reports false if the client left or the fake closed.
func (f *Fake) sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	case <-f.quit:
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeReply(w http.ResponseWriter, r Reply) {
	for k, vs := range r.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(r.Status)
	_, _ = io.WriteString(w, r.Body)
}

// answer streams reply in the route's format and reports whether the
// client stayed to the end.
func (f *Fake) answer(w http.ResponseWriter, r *http.Request, fm format, rec Recorded, reply Reply) bool {
	chunks, finish := shape(rec, fm, reply)
	model := rec.Str("model")
	if model == "" {
		model = "fake-model"
	}
	if reply.Fault == WrongContentType {
		writeJSON(w, 200, whole(fm, model, strings.Join(chunks, ""), finish))
		return true
	}
	stream, _ := rec.Body["stream"].(bool)
	if !stream {
		writeJSON(w, 200, whole(fm, model, strings.Join(chunks, ""), finish))
		return true
	}

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	done := r.Context().Done()
	send := func(line string) bool {
		if _, err := io.WriteString(w, line); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-done:
			return false
		default:
			return true
		}
	}

	n := 0
	for i := 0; reply.Fault == Endless || i < len(chunks); i++ {
		if i > 0 && !f.sleep(done, reply.Delay) {
			return false
		}
		text := "x"
		if reply.Fault != Endless {
			text = chunks[i]
		} else if len(chunks) > 0 {
			text = chunks[i%len(chunks)]
		}
		if !send(event(fm, model, n, text)) {
			return false
		}
		n++
		if reply.Fault == MalformedSSE && i == 0 {
			break
		}
		select {
		case <-f.quit:
			return false
		default:
		}
	}
	switch reply.Fault {
	case MalformedSSE:
		return send("data: {\"choices\": [{\"text\": \"unterminated\n\n")
	case Stall:
		<-mergeDone(done, f.quit)
		return false
	case Reset:
		// The chunked body is never terminated: the client sees the
		// connection drop mid-stream, as when a server process dies.
		panic(http.ErrAbortHandler)
	}
	if !send(final(fm, model, n, finish, rec)) {
		return false
	}
	if fm != formatInfill {
		return send("data: [DONE]\n\n")
	}
	return true
}

func mergeDone(a, b <-chan struct{}) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		select {
		case <-a:
		case <-b:
		}
		close(c)
	}()
	return c
}

// shape applies what a real server does to the scripted chunks: the huge
// fault, the max_tokens cut and the stop strings.
func shape(rec Recorded, fm format, reply Reply) ([]string, string) {
	chunks := reply.Chunks
	if reply.Fault == Huge {
		chunks = nil
		piece := strings.Repeat("a", 8<<10)
		for n := 0; n < HugeSize; n += len(piece) {
			chunks = append(chunks, piece)
		}
		return chunks, "stop"
	}
	if reply.Fault == Endless {
		return chunks, ""
	}
	finish := reply.Finish
	if finish == "" {
		finish = "stop"
	}
	limitKey := "max_tokens"
	if fm == formatInfill {
		limitKey = "n_predict"
	}
	if fm == formatChat {
		if _, ok := rec.Body["max_completion_tokens"]; ok {
			limitKey = "max_completion_tokens"
		}
	}
	if max, ok := rec.Num(limitKey); ok && max > 0 && int(max) < len(chunks) {
		chunks = chunks[:int(max)]
		finish = "length"
	}
	// Stop strings end the answer before the first occurrence of any of them.
	text := strings.Join(chunks, "")
	cut := -1
	for _, s := range rec.Strs("stop") {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		var out []string
		n := 0
		for _, c := range chunks {
			if n+len(c) >= cut {
				if cut > n {
					out = append(out, c[:cut-n])
				}
				break
			}
			out = append(out, c)
			n += len(c)
		}
		chunks, finish = out, "stop"
	}
	return chunks, finish
}

const created = 1735689600 // a fixed time keeps recorded samples stable

func event(fm format, model string, n int, text string) string {
	var v any
	switch fm {
	case formatCompletions:
		v = map[string]any{
			"id": "cmpl-fake", "object": "text_completion", "created": created, "model": model,
			"choices": []any{map[string]any{"text": text, "index": 0, "logprobs": nil, "finish_reason": nil}},
		}
	case formatChat:
		delta := map[string]any{"content": text}
		if n == 0 {
			delta["role"] = "assistant"
		}
		v = map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": nil}},
		}
	case formatInfill:
		v = map[string]any{"index": 0, "content": text, "tokens": []int{}, "stop": false, "id_slot": 0, "tokens_predicted": n + 1, "tokens_evaluated": 0}
	}
	b, _ := json.Marshal(v)
	return "data: " + string(b) + "\n\n"
}

func final(fm format, model string, n int, finish string, rec Recorded) string {
	var v any
	switch fm {
	case formatCompletions:
		v = map[string]any{
			"id": "cmpl-fake", "object": "text_completion", "created": created, "model": model,
			"choices": []any{map[string]any{"text": "", "index": 0, "logprobs": nil, "finish_reason": finish}},
		}
	case formatChat:
		v = map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "logprobs": nil, "finish_reason": finish}},
		}
	case formatInfill:
		stopType := "eos"
		if finish == "length" {
			stopType = "limit"
		}
		v = map[string]any{
			"index": 0, "content": "", "tokens": []int{}, "id_slot": 0, "stop": true, "model": model,
			"tokens_predicted": n, "tokens_evaluated": len(rec.Raw) / 4, "stop_type": stopType, "stopping_word": "",
			"tokens_cached": 0, "truncated": false,
			"generation_settings": map[string]any{"n_predict": rec.Body["n_predict"], "temperature": rec.Body["temperature"]},
			"timings":             map[string]any{"prompt_n": len(rec.Raw) / 4, "predicted_n": n},
		}
	}
	b, _ := json.Marshal(v)
	return "data: " + string(b) + "\n\n"
}

// whole is the non-streamed answer.
func whole(fm format, model, text, finish string) any {
	switch fm {
	case formatChat:
		return map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion", "created": created, "model": model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": finish}},
		}
	case formatInfill:
		return map[string]any{"index": 0, "content": text, "stop": true, "model": model, "stop_type": "eos"}
	}
	return map[string]any{
		"id": "cmpl-fake", "object": "text_completion", "created": created, "model": model,
		"choices": []any{map[string]any{"text": text, "index": 0, "logprobs": nil, "finish_reason": finish}},
	}
}
