package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// WireTraceEnv names the file where `inkling serve` writes its WireTrace
// when it exits.
const WireTraceEnv = "INKLING_WIRE_TRACE"

// WireTrace notes when bytes cross the server's own wire: each read from
// the editor and write to it (with the running byte count, by which the
// replay finds the read that completed a request and the write that
// completed its reply), and each read and write on a model connection
// (with its local port, by which the replay finds the fake model's side of
// the call). From these the replay times the definition inside the
// server: request received → model request sent, last token received →
// response sent, with none of the kernel's delivery between processes.
//
// Times are the wall clock, which this process and the replay share.
// Events are kept in memory and written once, at Save: a write per event
// would put a system call on the path being timed.
type WireTrace struct {
	mu     sync.Mutex
	events []wireEvent
	in     int64 // bytes read from the editor so far
	out    int64 // bytes written to the editor so far
}

// wireEvent is one read or write. Kind is 'r' or 'w' on the editor's pipe,
// 'R' or 'W' on a model connection.
type wireEvent struct {
	kind       byte
	port       int   // model connections: the local port
	start, end int64 // unix nanoseconds
	total      int64 // editor's pipe: bytes so far, this one's included
}

// maxWireEvents bounds the trace's memory (about 40 MB).
const maxWireEvents = 1 << 20

func (t *WireTrace) add(e wireEvent) {
	t.mu.Lock()
	switch e.kind {
	case 'r':
		t.in += e.total
		e.total = t.in
	case 'w':
		t.out += e.total
		e.total = t.out
	}
	if len(t.events) < maxWireEvents {
		t.events = append(t.events, e)
	}
	t.mu.Unlock()
}

// Reader times the reads from the editor.
func (t *WireTrace) Reader(r io.Reader) io.Reader { return tracedReader{r, t} }

// Writer times the writes to the editor.
func (t *WireTrace) Writer(w io.Writer) io.Writer { return tracedWriter{w, t} }

type tracedReader struct {
	r io.Reader
	t *WireTrace
}

func (r tracedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.t.add(wireEvent{kind: 'r', end: time.Now().UnixNano(), total: int64(n)})
	}
	return n, err
}

type tracedWriter struct {
	w io.Writer
	t *WireTrace
}

func (w tracedWriter) Write(p []byte) (int, error) {
	start := time.Now().UnixNano()
	n, err := w.w.Write(p)
	if n > 0 {
		w.t.add(wireEvent{kind: 'w', start: start, end: time.Now().UnixNano(), total: int64(n)})
	}
	return n, err
}

// Conn times the reads and writes on a model connection.
func (t *WireTrace) Conn(c net.Conn) net.Conn {
	port := 0
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		port = a.Port
	}
	return &tracedConn{Conn: c, t: t, port: port}
}

type tracedConn struct {
	net.Conn
	t    *WireTrace
	port int
}

func (c *tracedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.t.add(wireEvent{kind: 'R', port: c.port, end: time.Now().UnixNano()})
	}
	return n, err
}

func (c *tracedConn) Write(p []byte) (int, error) {
	start := time.Now().UnixNano()
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.t.add(wireEvent{kind: 'W', port: c.port, start: start, end: time.Now().UnixNano()})
	}
	return n, err
}

// SyscallConn keeps the provider's check that a spare connection is alive.
func (c *tracedConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("replay: %T has no syscall.Conn", c.Conn)
	}
	return sc.SyscallConn()
}

// Save writes the trace to path, one event a line.
func (t *WireTrace) Save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	t.mu.Lock()
	for _, e := range t.events {
		fmt.Fprintf(w, "%c %d %d %d %d\n", e.kind, e.port, e.start, e.end, e.total)
	}
	t.mu.Unlock()
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadWireTrace reads a trace that Save wrote.
func loadWireTrace(path string) ([]wireEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []wireEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e wireEvent
		if _, err := fmt.Sscanf(sc.Text(), "%c %d %d %d %d", &e.kind, &e.port, &e.start, &e.end, &e.total); err != nil {
			return nil, fmt.Errorf("%s: %q: %v", path, sc.Text(), err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// serverTimes answers the replay's questions of a loaded trace. Events are
// in the order the server recorded them, so times and byte counts rise
// within each kind (and port).
type serverTimes []wireEvent

// first is when the first event that ok accepts ended.
func (s serverTimes) first(ok func(wireEvent) bool) (time.Time, bool) {
	for _, e := range s {
		if ok(e) {
			return time.Unix(0, e.end), true
		}
	}
	return time.Time{}, false
}

// last is when the last event that ok accepts ended.
func (s serverTimes) last(ok func(wireEvent) bool) (time.Time, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if ok(s[i]) {
			return time.Unix(0, s[i].end), true
		}
	}
	return time.Time{}, false
}

// received is when the server's read of the editor's first total bytes
// returned: the request that ends there was received.
func (s serverTimes) received(total int64) (time.Time, bool) {
	return s.first(func(e wireEvent) bool { return e.kind == 'r' && e.total >= total })
}

// sent is when the server's write of its first total bytes to the editor
// returned.
func (s serverTimes) sent(total int64) (time.Time, bool) {
	return s.first(func(e wireEvent) bool { return e.kind == 'w' && e.total >= total })
}

// modelSent is when the server's write on the connection from port that
// the fake model read at arrived returned: the last write there begun
// before that read.
func (s serverTimes) modelSent(port int, arrived time.Time) (time.Time, bool) {
	return s.last(func(e wireEvent) bool { return e.kind == 'W' && e.port == port && e.start <= arrived.UnixNano() })
}

// modelReadBefore is when the server's last read on the connection from
// port that returned before t did.
func (s serverTimes) modelReadBefore(port int, t time.Time) (time.Time, bool) {
	return s.last(func(e wireEvent) bool { return e.kind == 'R' && e.port == port && e.end <= t.UnixNano() })
}

// modelRead is when the server's first read on the connection from port
// that returned after from did: from being a moment before the fake model
// wrote, that read brought what it wrote.
func (s serverTimes) modelRead(port int, from time.Time) (time.Time, bool) {
	return s.first(func(e wireEvent) bool { return e.kind == 'R' && e.port == port && e.end >= from.UnixNano() })
}

// countWriter is the editor's end of the server's stdin: it notes where in
// the byte stream each inlineCompletion request ends, for
// serverTimes.received.
type countWriter struct {
	w io.WriteCloser

	mu    sync.Mutex
	total int64
	ends  map[string]int64 // request id → bytes written up to its end
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(n)
	// One message a write: jsonrpc2's buffered stream flushes each whole.
	if n == len(p) && bytes.Contains(p, []byte(`"textDocument/inlineCompletion"`)) {
		if i := bytes.Index(p, []byte("\r\n\r\n")); i >= 0 {
			var m struct {
				ID json.RawMessage `json:"id"`
			}
			if json.Unmarshal(p[i+4:], &m) == nil && len(m.ID) > 0 {
				c.ends[string(m.ID)] = c.total
			}
		}
	}
	return n, err
}

func (c *countWriter) Close() error { return c.w.Close() }

// end is where request id ended in the stream.
func (c *countWriter) end(id int) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.ends[strconv.Itoa(id)]
	return n, ok
}

// wireView joins a child server's trace to the editor's and the fake
// model's records.
type wireView struct {
	times   serverTimes
	asked   *countWriter
	replies *stampReader
}

// pre is request id read → model request c written, at the server's wire.
func (w *wireView) pre(id int, c call) (time.Duration, bool) {
	if w == nil {
		return 0, false
	}
	end, ok := w.asked.end(id)
	if !ok {
		return 0, false
	}
	got, ok1 := w.times.received(end)
	sent, ok2 := w.times.modelSent(c.port, c.arrived)
	if !ok1 || !ok2 || sent.Before(got) {
		return 0, false
	}
	return sent.Sub(got), true
}

// post is c's last token read → reply to id written, at the server's wire.
func (w *wireView) post(id int, c call) (time.Duration, bool) {
	if w == nil {
		return 0, false
	}
	end, ok := w.replies.end(strconv.Itoa(id))
	if !ok {
		return 0, false
	}
	read, ok1 := w.times.modelRead(c.port, c.lastStart)
	sent, ok2 := w.times.sent(end)
	if ok2 && (!ok1 || sent.Before(read)) {
		// The answer was whole before the model's last event (the cut
		// found its end), which was read after the reply or never: the
		// last read before the reply is what it waited for.
		read, ok1 = w.times.modelReadBefore(c.port, sent)
	}
	if !ok1 || !ok2 || sent.Before(read) {
		return 0, false
	}
	return sent.Sub(read), true
}
