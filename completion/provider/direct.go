package provider

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// directTransport sends plain-HTTP requests itself, on the caller's
// goroutine: the request goes out in one write on the connection, and the
// response is read from that connection as it arrives. net/http's Transport
// hands each request to a connection's writer goroutine, and each new
// connection to a dialer goroutine that starts two more; on a loaded
// two-core machine those wake-ups were most of the time between a model
// call and its arrival at a server on loopback (BenchmarkAfterCancel).
// Typing makes that the common case: it cancels most calls, a cancelled
// HTTP/1.1 stream takes its connection with it, and nearly every call is
// on a new connection (see spareDialer).
//
// Local model servers (llama.cpp, vLLM, Ollama, LM Studio) are where this
// counts and they speak plain HTTP/1.1. HTTPS and proxied requests still go
// through net/http's Transport, which brings HTTP/2, TLS session reuse and
// proxies. The backends build and parse the requests either way.
type directTransport struct {
	fallback *http.Transport
	spares   *spareDialer
	maxIdle  int           // idle connections kept per address
	maxAge   time.Duration // how long one is kept idle

	mu   sync.Mutex
	idle map[string][]*directConn // by address, most recently used last
}

// directConn is one connection and its read buffer, which outlives a
// response when the connection is reused.
type directConn struct {
	c      net.Conn
	br     *bufio.Reader
	idleAt time.Time
	expire *time.Timer
	fresh  bool // dialed (or the spare taken) for this request
}

func newDirectTransport(fallback *http.Transport, spares *spareDialer) *directTransport {
	return &directTransport{fallback: fallback, spares: spares, maxIdle: fallback.MaxIdleConnsPerHost, maxAge: spareMaxAge,
		idle: map[string][]*directConn{}}
}

func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || t.proxied(req) {
		return t.fallback.RoundTrip(req)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(addr)
	}
	dc, idleFor := t.take(addr)
	reused := dc != nil
	if dc == nil {
		c, err := t.dial(ctx, addr)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		dc = &directConn{c: c, br: bufio.NewReaderSize(c, 4<<10)}
		dc.fresh = true
	}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: dc.c, Reused: reused, WasIdle: reused, IdleTime: idleFor})
	}
	resp, err := t.send(ctx, req, dc, addr, trace)
	if err != nil && reused && ctx.Err() == nil && closedIdle(err) && (req.Body == nil || req.GetBody != nil) {
		// The server closed the idle connection as the request went out
		// (its keep-alive timeout): nothing was answered, so the request
		// is sent again, once, on a new connection, as net/http does.
		again := req.Clone(ctx)
		if req.Body != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		c, derr := t.dial(ctx, addr)
		if derr != nil {
			closeBody(again)
			return nil, derr
		}
		if trace != nil && trace.GotConn != nil {
			trace.GotConn(httptrace.GotConnInfo{Conn: c})
		}
		return t.send(ctx, again, &directConn{c: c, br: bufio.NewReaderSize(c, 4<<10), fresh: true}, addr, trace)
	}
	return resp, err
}

// send writes req on dc and reads the response's head. The response's body
// reads from dc; closing it gives dc back for reuse when the body was read
// to its end, and closes it otherwise (the server must stop generating).
func (t *directTransport) send(ctx context.Context, req *http.Request, dc *directConn, addr string, trace *httptrace.ClientTrace) (*http.Response, error) {
	// Cancelling the request closes the connection: that unblocks a
	// write or read in progress, and tells the server to stop.
	stop := context.AfterFunc(ctx, func() { dc.c.Close() })
	// A connection was used up: the next spare is dialed once the
	// response begins (the model has read the prompt) or the request
	// fails, not before. Dialed at once, it competed with the request for
	// the CPU, and its accept with the server's reading the request; the
	// model's time to first token is slack.
	refill := func() {
		if dc.fresh {
			dc.fresh = false
			t.spares.refill("tcp", addr)
		}
	}
	fail := func(err error) (*http.Response, error) {
		stop()
		refill()
		dc.c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	var err error
	if body, ok := req.Body.(*sendBody); ok && req.ContentLength == int64(len(body.b)) {
		// The backends' own requests: head and body written here, in
		// one write, without req.Write's passes over the header map and
		// copy through a buffer (~40 µs on the request's path).
		msg := appendRequestHead(make([]byte, 0, 512+len(body.b)), req)
		_, err = dc.c.Write(append(msg, body.b...))
	} else {
		size := 1 << 10
		if req.ContentLength > 0 {
			size += int(req.ContentLength)
		}
		bw := bufio.NewWriterSize(dc.c, size)
		if err = req.Write(bw); err == nil { // closes req.Body
			err = bw.Flush()
		}
	}
	if err != nil {
		return fail(err)
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	var resp *http.Response
	for {
		if resp, err = http.ReadResponse(dc.br, req); err != nil {
			return fail(err)
		}
		// 1xx answers (103 Early Hints) come before the real one.
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	refill()
	resp.Body = &directBody{rc: resp.Body, t: t, dc: dc, addr: addr, stop: stop, keep: !resp.Close && !req.Close}
	return resp, nil
}

// sendBody is a request body held whole, which the direct transport writes
// with the request's head in one write (base.post makes them).
type sendBody struct {
	*bytes.Reader
	b []byte
}

func newSendBody(b []byte) *sendBody { return &sendBody{bytes.NewReader(b), b} }

func (*sendBody) Close() error { return nil }

// appendRequestHead appends req's HTTP/1.1 request line and header, as
// req.Write spells them for a body of known length: Host, User-Agent
// (unless set), Content-Length, then req.Header, each value with any CR or
// LF made a space (as Header.Write does) so that no setting can add a
// header line of its own.
func appendRequestHead(b []byte, req *http.Request) []byte {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = appendHeaderText(b, host)
	if _, ok := req.Header["User-Agent"]; !ok {
		b = append(b, "\r\nUser-Agent: Go-http-client/1.1"...)
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, req.ContentLength, 10)
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue // req.Write leaves these to the request's fields too
		}
		for _, v := range vs {
			b = append(b, "\r\n"...)
			b = appendHeaderText(b, k)
			b = append(b, ": "...)
			b = appendHeaderText(b, v)
		}
	}
	return append(b, "\r\n\r\n"...)
}

// appendHeaderText appends s with CR and LF made spaces.
func appendHeaderText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// directBody is a response body on a connection of directTransport.
type directBody struct {
	rc   io.ReadCloser
	t    *directTransport
	dc   *directConn
	addr string
	stop func() bool
	keep bool // neither side asked to close the connection after the response
	eof  atomic.Bool
	once sync.Once
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

func (b *directBody) Close() error {
	b.once.Do(func() {
		live := b.stop() // false: cancelled, the connection is closed already
		if b.eof.Load() && b.keep && live && b.dc.br.Buffered() == 0 {
			b.rc.Close()
			b.t.put(b.addr, b.dc)
			return
		}
		// Closed first: closing a body not read to its end would
		// otherwise read the rest of the stream.
		b.dc.c.Close()
		b.rc.Close()
	})
	return nil
}

// dial returns the spare connection to addr, or a new one.
func (t *directTransport) dial(ctx context.Context, addr string) (net.Conn, error) {
	if c := t.spares.take("tcp", addr); c != nil {
		return c, nil
	}
	return t.spares.dial(ctx, "tcp", addr)
}

// take returns an idle connection to addr that the server has not closed,
// and how long it was idle.
func (t *directTransport) take(addr string) (*directConn, time.Duration) {
	for {
		t.mu.Lock()
		l := t.idle[addr]
		if len(l) == 0 {
			t.mu.Unlock()
			return nil, 0
		}
		dc := l[len(l)-1]
		t.idle[addr] = l[:len(l)-1]
		t.mu.Unlock()
		dc.expire.Stop()
		if idle := time.Since(dc.idleAt); idle <= t.maxAge && alive(dc.c) {
			return dc, idle
		}
		dc.c.Close()
	}
}

// put keeps dc for the next request to addr, for maxAge at most: servers
// close connections that stay silent (llama.cpp after 5 s).
func (t *directTransport) put(addr string, dc *directConn) {
	dc.idleAt = time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := append(t.idle[addr], dc)
	if len(l) > t.maxIdle {
		l[0].expire.Stop()
		l[0].c.Close()
		l = l[1:]
	}
	t.idle[addr] = l
	dc.expire = time.AfterFunc(t.maxAge, func() { t.drop(addr, dc) })
}

func (t *directTransport) drop(addr string, dc *directConn) {
	t.mu.Lock()
	l := t.idle[addr]
	for i, x := range l {
		if x == dc {
			t.idle[addr] = append(l[:i:i], l[i+1:]...)
			t.mu.Unlock()
			dc.c.Close()
			return
		}
	}
	t.mu.Unlock()
}

// CloseIdleConnections closes the idle connections of both transports.
func (t *directTransport) CloseIdleConnections() {
	t.mu.Lock()
	for addr, l := range t.idle {
		for _, dc := range l {
			dc.expire.Stop()
			dc.c.Close()
		}
		delete(t.idle, addr)
	}
	t.mu.Unlock()
	t.fallback.CloseIdleConnections()
}

// proxied says whether the fallback transport would send req through a
// proxy (never for loopback addresses, with the default proxy settings).
func (t *directTransport) proxied(req *http.Request) bool {
	if t.fallback.Proxy == nil {
		return false
	}
	u, err := t.fallback.Proxy(req)
	return err != nil || u != nil
}

// closedIdle says whether err is what a request meets on a connection the
// server closed while it was idle.
func closedIdle(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
