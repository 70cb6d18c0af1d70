package replay

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// Mode is how the fake model answers.
type Mode string

const (
	// Oracle answers the file's true continuation from the cursor the
	// prompt shows: the best a model could do.
	Oracle Mode = "oracle"
	// Wrong answers fixed text that the typist never types.
	Wrong Mode = "wrong"
)

// wrongText is what the wrong model says, whatever it is asked.
const wrongText = "xyzzyWrong(42)\n"

// Qwen2.5-Coder's FIM tokens: the replay talks to the fake as to a
// llama.cpp or vLLM server with that model behind /v1/completions, so the
// prompt the fake receives is the exact string a KV cache would see.
const (
	fimPrefix = "<|fim_prefix|>"
	fimSuffix = "<|fim_suffix|>"
)

// call is one model request as the fake saw it.
type call struct {
	arrived   time.Time
	lastWrite time.Time // when the last piece of the answer was written
	lastStart time.Time // just before it was (for the server's read of it)
	port      int       // the server's end of the connection
	firstText time.Time // when the first piece that is not blank was written
	prompt    string
	tokens    int // answer pieces written
}

// model is the fake model server: providertest's wire format, with the
// arrival and last-token times of every request recorded.
type model struct {
	fake *providertest.Fake
	text string // the case's final text, for the oracle
	mode Mode
	ttft time.Duration
	tok  time.Duration

	mu    sync.Mutex
	calls []*call
}

func newModel(c *Case, mode Mode, ttft, perToken time.Duration) *model {
	m := &model{text: c.Text, mode: mode, ttft: ttft, tok: perToken}
	m.fake = providertest.NewFake(m.reply)
	return m
}

func (m *model) reply(r providertest.Recorded) providertest.Reply {
	ans := wrongText
	if m.mode == Oracle {
		ans = m.continuation(r.Str("prompt"))
	}
	return providertest.Reply{Chunks: providertest.Chunks(ans), FirstByte: m.ttft, Delay: m.tok}
}

// continuation finds the cursor from the prompt's prefix and answers what
// follows it in the final text.
func (m *model) continuation(prompt string) string {
	prefix := fimPart(prompt)
	if prefix == "" {
		return ""
	}
	at := strings.Index(m.text, prefix)
	if at < 0 {
		return ""
	}
	rest := m.text[at+len(prefix):]
	return rest[:min(len(rest), 4096)]
}

func (m *model) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		m.fake.ServeHTTP(w, r)
		return
	}
	c := &call{arrived: time.Now()}
	if tc, ok := r.Context().Value(connKey{}).(*timedConn); ok {
		// When its first bytes were read off the socket, not when the
		// HTTP server had parsed it: the fake's own work is not the
		// server's.
		if t := tc.arrival(); !t.IsZero() {
			c.arrived = t
		}
		if a, ok := tc.RemoteAddr().(*net.TCPAddr); ok {
			c.port = a.Port
		}
		defer tc.rearm()
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Prompt string `json:"prompt"`
	}
	_ = json.Unmarshal(body, &req)
	c.prompt = req.Prompt
	m.mu.Lock()
	m.calls = append(m.calls, c)
	m.mu.Unlock()
	m.fake.ServeHTTP(&timedWriter{ResponseWriter: w, m: m, c: c}, r)
}

func (m *model) snapshot() []call {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]call, len(m.calls))
	for i, c := range m.calls {
		out[i] = *c
	}
	return out
}

// timedWriter notes when each event of the stream is written.
type timedWriter struct {
	http.ResponseWriter
	m *model
	c *call
	// What was written since the last flush.
	event, text bool
	tokens      int
}

// Write buffers an event; it is timed when Flush has sent it, since the
// response writer holds it until then.
func (w *timedWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	if bytes.Contains(p, []byte(`"choices"`)) {
		w.event = true
		if bytes.Contains(p, []byte(`"finish_reason":null`)) {
			w.tokens++
			if !blankEvent(p) {
				w.text = true
			}
		}
	}
	return n, err
}

func (w *timedWriter) Flush() {
	start := time.Now()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	if !w.event {
		return
	}
	now := time.Now()
	w.m.mu.Lock()
	w.c.lastWrite, w.c.lastStart = now, start
	w.c.tokens += w.tokens
	if w.text && w.c.firstText.IsZero() {
		w.c.firstText = now
	}
	w.m.mu.Unlock()
	w.event, w.text, w.tokens = false, false, 0
}

// blankEvent says whether a streamed event's text is only whitespace.
func blankEvent(p []byte) bool {
	var ev struct {
		Choices []struct {
			Text string `json:"text"`
		} `json:"choices"`
	}
	data := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(p), []byte("data:")))
	if json.Unmarshal(data, &ev) != nil || len(ev.Choices) == 0 {
		return true
	}
	return strings.TrimSpace(ev.Choices[0].Text) == ""
}

// connKey finds a request's timedConn in its context.
type connKey struct{}

// timedConn notes when a request's first bytes are read off a keep-alive
// connection: the first read that returns data after the previous
// response (or the connection's start).
type timedConn struct {
	net.Conn
	mu      sync.Mutex
	armed   bool
	arrived time.Time
}

func (c *timedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		now := time.Now()
		c.mu.Lock()
		if c.armed {
			c.arrived, c.armed = now, false
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *timedConn) arrival() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.arrived
}

// rearm waits for the next request, once this one is answered.
func (c *timedConn) rearm() {
	c.mu.Lock()
	c.armed, c.arrived = true, time.Time{}
	c.mu.Unlock()
}

// timedListener wraps each accepted connection in a timedConn.
type timedListener struct{ net.Listener }

func (l timedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &timedConn{Conn: c, armed: true}, nil
}
