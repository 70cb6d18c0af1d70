// Package lsptest is a small LSP client for tests: it frames messages by
// hand (so tests can also send broken ones), matches responses to requests,
// and records every notification the server sends.
package lsptest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Error is a JSON-RPC error response.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

// Message is any message from the server.
type Message struct {
	ID     *json.RawMessage `json:"id,omitempty"`
	Method string           `json:"method,omitempty"`
	Params json.RawMessage  `json:"params,omitempty"`
	Result json.RawMessage  `json:"result,omitempty"`
	Error  *Error           `json:"error,omitempty"`
}

// Client talks to one server.
type Client struct {
	t   testing.TB
	w   io.Writer
	wmu sync.Mutex

	mu      sync.Mutex
	nextID  int
	waiting map[string]chan Message
	notes   []Message
	noteCh  chan struct{}
	closed  chan struct{}
	Cmd     *exec.Cmd
	stderr  *syncWriter
}

// Stderr is what the server process has written to stderr so far.
func (c *Client) Stderr() string {
	if c.stderr == nil {
		return ""
	}
	c.stderr.mu.Lock()
	defer c.stderr.mu.Unlock()
	return c.stderr.w.(*strings.Builder).String()
}

// New starts a client over an established connection.
func New(t testing.TB, r io.Reader, w io.Writer) *Client {
	c := &Client{t: t, w: w, waiting: map[string]chan Message{}, noteCh: make(chan struct{}), closed: make(chan struct{})}
	go c.read(bufio.NewReader(r))
	return c
}

// Start runs the binary at path with args and env (added to the
// environment) and returns a client on its stdio. The process is killed at
// test cleanup if still running.
func Start(t testing.TB, path string, env []string, args ...string) *Client {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncWriter{w: &strings.Builder{}}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := New(t, stdout, stdin)
	c.Cmd, c.stderr = cmd, stderr
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return c
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (c *Client) read(r *bufio.Reader) {
	defer close(c.closed)
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m Message
		if err := json.Unmarshal(body, &m); err != nil {
			c.t.Errorf("server sent invalid JSON: %v: %s", err, body)
			continue
		}
		c.mu.Lock()
		switch {
		case m.ID != nil && m.Method == "":
			if ch := c.waiting[string(*m.ID)]; ch != nil {
				delete(c.waiting, string(*m.ID))
				ch <- m
			} else {
				c.notes = append(c.notes, m) // e.g. an error for a broken message (id null)
			}
		case m.ID != nil:
			// A request from the server (workspace/configuration and the
			// like): answer null so it is never left waiting.
			go c.Raw(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":null}`, *m.ID))
			c.notes = append(c.notes, m)
		default:
			c.notes = append(c.notes, m)
		}
		close(c.noteCh)
		c.noteCh = make(chan struct{})
		c.mu.Unlock()
	}
}

// Raw sends a message body as it is, framed.
func (c *Client) Raw(body string) {
	c.RawBytes([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)))
}

// RawBytes writes bytes to the server unframed.
func (c *Client) RawBytes(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(b); err != nil {
		c.t.Logf("write: %v", err)
	}
}

// Pending is a request sent and not yet answered.
type Pending struct {
	ID int
	ch chan Message
}

// Send sends a request and returns at once.
func (c *Client) Send(method string, params any) *Pending {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan Message, 1)
	c.waiting[strconv.Itoa(id)] = ch
	c.mu.Unlock()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		c.t.Fatal(err)
	}
	c.Raw(string(body))
	return &Pending{ID: id, ch: ch}
}

// Wait waits for the answer, failing the test after timeout.
func (p *Pending) Wait(t testing.TB, timeout time.Duration) (json.RawMessage, *Error) {
	t.Helper()
	select {
	case m := <-p.ch:
		return m.Result, m.Error
	case <-time.After(timeout):
		t.Fatalf("request %d: no answer in %s", p.ID, timeout)
		return nil, nil
	}
}

// Call sends a request and waits for its answer (10 s at most).
func (c *Client) Call(method string, params any) (json.RawMessage, *Error) {
	c.t.Helper()
	return c.Send(method, params).Wait(c.t, 10*time.Second)
}

// MustCall is Call that fails the test on an error response.
func (c *Client) MustCall(method string, params any, result any) {
	c.t.Helper()
	res, err := c.Call(method, params)
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	if result != nil {
		if err := json.Unmarshal(res, result); err != nil {
			c.t.Fatalf("%s: decoding %s: %v", method, res, err)
		}
	}
}

// Notify sends a notification.
func (c *Client) Notify(method string, params any) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		c.t.Fatal(err)
	}
	c.Raw(string(body))
}

// Notes returns the notifications received so far with the given method
// ("" for all).
func (c *Client) Notes(method string) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, m := range c.notes {
		if method == "" || m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

// WaitNote waits until a notification with method satisfies match.
func (c *Client) WaitNote(method string, timeout time.Duration, match func(Message) bool) (Message, bool) {
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		for _, m := range c.notes {
			if m.Method == method && (match == nil || match(m)) {
				c.mu.Unlock()
				return m, true
			}
		}
		ch := c.noteCh
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			return Message{}, false
		case <-c.closed:
			return Message{}, false
		}
	}
}

// Closed is closed when the server's output ends.
func (c *Client) Closed() <-chan struct{} { return c.closed }

// Initialize runs initialize and initialized with the given options.
func (c *Client) Initialize(rootURI string, encodings []string, initOptions any) map[string]any {
	c.t.Helper()
	var res map[string]any
	caps := map[string]any{}
	if encodings != nil {
		caps["general"] = map[string]any{"positionEncodings": encodings}
	}
	c.MustCall("initialize", map[string]any{
		"processId": os.Getpid(), "rootUri": rootURI, "capabilities": caps,
		"initializationOptions": initOptions, "clientInfo": map[string]any{"name": "lsptest"},
	}, &res)
	c.Notify("initialized", map[string]any{})
	return res
}

// Shutdown runs shutdown and exit.
func (c *Client) Shutdown() {
	c.t.Helper()
	c.MustCall("shutdown", nil, nil)
	c.Notify("exit", nil)
}
