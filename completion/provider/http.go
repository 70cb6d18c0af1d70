package provider

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Doer sends an HTTP request; *http.Client is one. It is also go-openai's
// HTTPDoer, which is how every backend's requests pass through doer below.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// sharedClient keeps connections to the model server alive across requests
// and across providers rebuilt on a configuration change. No client-wide
// timeout: the watchdog owns deadlines, per request. Plain HTTP goes
// through sharedDirect, the rest through sharedTransport.
var sharedClient = &http.Client{Transport: sharedDirect}

var sharedDirect = newDirectTransport(sharedTransport, spares)

var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	t.DialContext = spares.DialContext
	return t
}()

// spares dials the shared transport's connections one ahead (see
// spareDialer), with the default transport's dialer settings.
var spares = newSpareDialer(dialTCP, spareMaxAge)

var baseDialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

// wrapConn, when set (WrapConns), wraps every connection to a model server.
var wrapConn atomic.Pointer[func(net.Conn) net.Conn]

func dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := baseDialer.DialContext(ctx, network, addr)
	if w := wrapConn.Load(); w != nil && err == nil {
		c = (*w)(c)
	}
	return c, err
}

// WrapConns has every connection to a model server dialed from now on
// wrapped by w: `inkling serve` uses it to time its traffic when asked to
// (INKLING_WIRE_TRACE). A wrapper should keep the connection's
// syscall.Conn, which tells a stale spare connection from a live one.
func WrapConns(w func(net.Conn) net.Conn) { wrapConn.Store(&w) }

// doer wraps the HTTP client of one provider. It sets the configured
// headers, turns an error status into *Error (go-openai would drop the
// Retry-After header), insists on an event stream, and lets the request's
// watchdog see every byte of the body arrive.
type doer struct {
	next    Doer
	name    string
	headers map[string]string
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	for k, v := range d.headers {
		req.Header.Set(k, v)
	}
	wd, _ := req.Context().Value(watchdogKey{}).(*watchdog)
	resp, err := d.next.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(watched(resp.Body, wd), 64<<10))
		return nil, statusError(d.name, resp, body)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		if ct == "" {
			ct = "none"
		}
		return nil, &Error{Provider: d.name, Kind: KindMalformed, Status: resp.StatusCode,
			Msg: fmt.Sprintf("expected a text/event-stream answer, got content type %s", truncate(ct, 60))}
	}
	resp.Body = watched(resp.Body, wd)
	return resp, nil
}

func statusError(name string, resp *http.Response, body []byte) *Error {
	e := &Error{Provider: name, Status: resp.StatusCode, Msg: serverMessage(body)}
	switch s := resp.StatusCode; {
	case s == 401 || s == 403:
		e.Kind = KindAuth
	case s == 429:
		e.Kind = KindRateLimit
	case s >= 500:
		e.Kind = KindServer
	case s >= 400:
		e.Kind = KindBadRequest
	default: // 1xx, 3xx that the client did not follow
		e.Kind = KindServer
	}
	if e.Kind == KindRateLimit || resp.StatusCode == 503 {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// serverMessage digs the human message out of an error body. OpenAI, vLLM,
// Ollama and llama.cpp send {"error":{"message":..}}; some proxies send
// {"error":"..."} or {"message":..} or {"detail":..}, others plain text.
func serverMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s
		case v.Message != "":
			return v.Message
		case v.Detail != nil:
			b, _ := json.Marshal(v.Detail)
			return string(b)
		}
	}
	return strings.TrimSpace(string(body))
}

// retryAfter reads Retry-After: delay seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(h, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Sentinel causes of a request's context being cancelled by us, not the
// caller.
var (
	errNoFirstByte = errors.New("no answer within the first-byte deadline")
	errStalled     = errors.New("the answer stalled past the idle deadline")
	errTooSlow     = errors.New("the answer took longer than the request deadline")
	errDrained     = errors.New("the stream's end took too long to arrive")
)

// drainTimeout bounds reading the rest of a finished stream (the chunked
// encoding's last bytes) so its connection can be reused.
const drainTimeout = 100 * time.Millisecond

type watchdogKey struct{}

// watchdog cancels a request whose server goes quiet: first after the
// first-byte deadline, then after the idle deadline since the last byte.
// It is paused while the caller's onText runs, so a slow consumer is not
// taken for a slow server.
type watchdog struct {
	mu       sync.Mutex
	timer    *time.Timer
	idle     time.Duration
	cancel   context.CancelCauseFunc // ends the request
	unfollow func() bool             // stops the caller's cancellation from reaching the request
	started  bool
	ended    bool // the answer is complete; only the stream's end is left
	draining bool // the stream's end is being read in the background
	stopped  bool
	onWait   func() // see WithWait; set before the request is sent
}

func startWatchdog(cancel context.CancelCauseFunc, firstByte, idle time.Duration) *watchdog {
	w := &watchdog{idle: idle, cancel: cancel}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer = time.AfterFunc(firstByte, func() {
		w.mu.Lock()
		started, ended, stopped := w.started, w.ended, w.stopped
		w.mu.Unlock()
		switch {
		case stopped:
			return
		case ended:
			cancel(errDrained)
		case started:
			cancel(errStalled)
		default:
			cancel(errNoFirstByte)
		}
	})
	return w
}

// touch records that bytes arrived.
func (w *watchdog) touch() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || w.ended {
		return
	}
	w.started = true
	w.timer.Reset(w.idle)
}

// end records that the answer is complete: closing the body then reads the
// rest of the stream ([DONE], the chunked encoding's end) in the
// background, briefly, so that the connection can be reused while the
// caller already has its answer. Without end (an early stop), closing
// drops the connection, which is how the server learns to stop generating.
func (w *watchdog) end() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped && !w.ended {
		w.ended = true
		w.timer.Reset(drainTimeout)
	}
}

// hasEnded says whether end was called.
func (w *watchdog) hasEnded() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ended
}

// startDrain says whether closing the body should read the stream's end
// in the background, and if so hands the request over to that reading: the
// caller's cancellation no longer reaches it (the caller has its answer and
// is free to go), the drain deadline still does, and drained ends it.
func (w *watchdog) startDrain() bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	ok := w.ended && !w.stopped && !w.draining
	w.draining = ok
	unfollow := w.unfollow
	w.mu.Unlock()
	if ok && unfollow != nil {
		unfollow()
	}
	return ok
}

// isDraining says whether the request now belongs to a background drain.
func (w *watchdog) isDraining() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.draining
}

// drained ends a request whose stream's end was read in the background.
func (w *watchdog) drained() {
	w.stop()
	w.cancel(nil)
}

// drains counts the stream ends being read in the background (tests wait
// for them before looking for leaked goroutines). Not a sync.WaitGroup:
// new drains start while a test waits, which a WaitGroup forbids.
var drains drainCount

type drainCount struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (d *drainCount) Add(n int) {
	d.mu.Lock()
	d.n += n
	if d.n == 0 && d.cond != nil {
		d.cond.Broadcast()
	}
	d.mu.Unlock()
}

func (d *drainCount) Done() { d.Add(-1) }

// Wait returns once no drain is running.
func (d *drainCount) Wait() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	for d.n > 0 {
		d.cond.Wait()
	}
}

func watchdogFrom(ctx context.Context) *watchdog {
	wd, _ := ctx.Value(watchdogKey{}).(*watchdog)
	return wd
}

func (w *watchdog) pause() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.timer.Stop()
	}
}

func (w *watchdog) stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.timer.Stop()
}

type watchedBody struct {
	io.ReadCloser
	wd *watchdog
}

func watched(rc io.ReadCloser, wd *watchdog) io.ReadCloser {
	if wd == nil {
		return rc
	}
	return &watchedBody{rc, wd}
}

func (b *watchedBody) Close() error {
	if b.wd.startDrain() {
		drains.Add(1)
		go func() {
			defer drains.Done()
			_, _ = io.CopyN(io.Discard, b.ReadCloser, 4<<10)
			b.ReadCloser.Close()
			b.wd.drained()
		}()
		return nil
	}
	return b.ReadCloser.Close()
}

func (b *watchedBody) Read(p []byte) (int, error) {
	if b.wd.onWait != nil {
		b.wd.onWait()
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.wd.touch()
	}
	return n, err
}

// classify turns what went wrong in a request into the error Complete
// returns. The caller's own cancellation comes back as ctx.Err() itself.
func classify(name string, ctx, reqCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", name, ctx.Err())
	}
	switch cause := context.Cause(reqCtx); cause {
	case errNoFirstByte, errStalled, errTooSlow, errDrained:
		return &Error{Provider: name, Kind: KindTimeout, Msg: cause.Error(), Err: cause}
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	e := &Error{Provider: name, Kind: KindUnknown, Err: err}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &dnsErr):
		e.Kind, e.Msg = KindUnreachable, "cannot resolve host "+dnsErr.Name
		e.Err = dnsErr
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind, e.Msg = KindUnreachable, "connection refused"
		if errors.As(err, &opErr) && opErr.Addr != nil {
			e.Msg += " by " + opErr.Addr.String()
			e.Err = opErr
		}
	case errors.As(err, &certErr), errors.As(err, new(tls.RecordHeaderError)):
		e.Kind, e.Msg = KindUnreachable, "TLS handshake failed"
		e.Err = nil
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		e.Kind, e.Msg = KindServer, "the connection closed in the middle of the answer"
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr), errors.Is(err, errBadEvent):
		e.Kind, e.Msg = KindMalformed, "cannot decode the stream"
	case errors.As(err, &opErr):
		e.Kind, e.Msg = KindUnreachable, "cannot reach the server"
		e.Err = opErr
	}
	return e
}

// Compiled on first use: only an error needs them, and compiled at init
// they cost every start of the binary.
var (
	keyLike = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(sk|pk|rk|gsk|hf|xai|key)[-_][A-Za-z0-9_\-*.]{8,}`)
	})
	bearerLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)bearer\s+\S+`) })
	spaces     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\s+`) })
)

// scrub makes a server's message safe to show and log: one short line,
// with the API key and anything key-shaped masked, and withheld altogether
// if it quotes the prompt (servers echo request bodies in parse errors).
func scrub(msg, apiKey string, prompt ...string) string {
	if apiKey != "" {
		msg = strings.ReplaceAll(msg, apiKey, "[redacted]")
	}
	msg = keyLike().ReplaceAllString(msg, "[redacted]")
	msg = bearerLike().ReplaceAllString(msg, "Bearer [redacted]")
	msg = strings.TrimSpace(spaces().ReplaceAllString(msg, " "))
	if quotesPrompt(msg, prompt) {
		return "the server's message quoted the prompt and is withheld"
	}
	return truncate(msg, 300)
}

// quotesPrompt reports whether msg shares a run of 24 bytes with a prompt
// text (after whitespace is collapsed, as scrub does to msg).
func quotesPrompt(msg string, prompt []string) bool {
	const run = 24
	if len(msg) < run {
		return false
	}
	var texts []string
	for _, p := range prompt {
		if len(p) >= run {
			texts = append(texts, spaces().ReplaceAllString(p, " "))
		}
	}
	if len(texts) == 0 {
		return false
	}
	for i := 0; i+run <= len(msg); i += run / 2 {
		w := msg[i : i+run]
		for _, t := range texts {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
