package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	defaultFirstByte  = 10 * time.Second
	defaultIdle       = 5 * time.Second
	defaultMaxBytes   = 1 << 20
	defaultMaxTokens  = 256
	chunksPerTokenCap = 2 // see emit
)

// Option changes how New builds a provider.
type Option func(*options)

type options struct {
	client Doer
}

// WithHTTPClient sends the provider's requests through c instead of the
// shared keep-alive client (e.g. a client with a proxy or custom TLS).
func WithHTTPClient(c Doer) Option { return func(o *options) { o.client = c } }

// base is what every HTTP backend shares: its name, its configuration with
// the defaults filled in, and the HTTP doer.
type base struct {
	name string
	cfg  Config
	http *doer
}

func newBase(name string, cfg Config, o options) base {
	if cfg.FirstByteTimeout <= 0 {
		cfg.FirstByteTimeout = defaultFirstByte
		if cfg.Timeout > 0 && cfg.Timeout < cfg.FirstByteTimeout {
			cfg.FirstByteTimeout = cfg.Timeout
		}
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdle
	}
	if cfg.MaxAnswerBytes <= 0 {
		cfg.MaxAnswerBytes = defaultMaxBytes
	}
	client := o.client
	if client == nil {
		client = sharedClient
	}
	return base{name: name, cfg: cfg, http: &doer{next: client, name: name, headers: cfg.Headers}}
}

func (b *base) Name() string { return b.name }

// post sends a JSON body to url and returns the event stream that answers
// it; the doer turns any other answer into an *Error.
func (b *base) post(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, newSendBody(body))
	if err != nil {
		return nil, err
	}
	// As NewRequest does for a *bytes.Reader: a known length, and a body
	// that can be sent again (a retry on a closed idle connection, a 307).
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) { return newSendBody(body), nil }
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if b.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+b.cfg.APIKey)
	}
	return b.http.Do(req)
}

func maxTokens(p Prompt) int {
	if p.MaxTokens > 0 {
		return p.MaxTokens
	}
	return defaultMaxTokens
}

// run drives one streamed request. send performs it under reqCtx and hands
// each piece of text to emit, stopping when emit returns false. run owns
// what is common to every backend: deadlines, the answer's size limit, the
// early stop, and turning failures into *Error or the caller's ctx.Err().
func (b *base) run(ctx context.Context, p Prompt, onText func(string) bool,
	send func(reqCtx context.Context, emit func(string) bool) error) error {

	// reqCtx follows ctx while the answer streams, not after: once the
	// answer is complete, the stream's end is read in the background (see
	// watchedBody.Close) so that the connection can be reused, and the
	// caller, answered, may cancel ctx meanwhile.
	reqCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	unfollow := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	if b.cfg.Timeout > 0 {
		t := time.AfterFunc(b.cfg.Timeout, func() { cancel(errTooSlow) })
		defer t.Stop()
	}
	wd := startWatchdog(cancel, b.cfg.FirstByteTimeout, b.cfg.IdleTimeout)
	wd.unfollow = unfollow
	wd.onWait = waitFrom(ctx)
	defer func() {
		if !wd.isDraining() { // else the drain ends the request
			unfollow()
			wd.stop()
			cancel(nil)
		}
	}()
	reqCtx = context.WithValue(reqCtx, watchdogKey{}, wd)
	reqCtx, sent := traceSent(reqCtx)
	defer sent()

	// A server that ignores max_tokens would stream forever; real servers
	// send at most one event per token, so twice the budget (plus slack for
	// empty or split events) means it is not going to stop by itself.
	chunkCap := chunksPerTokenCap*maxTokens(p) + 64
	var (
		size, chunks int
		stopped      bool
		tooBig       bool
	)
	final := finalFrom(ctx)
	emit := func(s string) bool {
		// The backends end the watchdog before they emit an answer's
		// last text, in one piece; with WithFinal, even an empty one.
		last := final != nil && wd.hasEnded()
		if s == "" && !last {
			return true
		}
		size += len(s)
		if size > b.cfg.MaxAnswerBytes {
			tooBig = true
			return false
		}
		chunks++
		if last {
			final()
			final = nil
		}
		wd.pause()
		ok := onText(s)
		wd.touch()
		if !ok || chunks >= chunkCap {
			stopped = true
			return false
		}
		return true
	}
	err := send(reqCtx, emit)
	if !wd.isDraining() {
		wd.stop()
	}

	switch {
	case tooBig:
		return &Error{Provider: b.name, Kind: KindMalformed,
			Msg: fmt.Sprintf("the answer passed the limit of %d bytes", b.cfg.MaxAnswerBytes)}
	case stopped:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", b.name, ctx.Err())
	case err == nil:
		return nil
	}
	err = classify(b.name, ctx, reqCtx, err)
	if e, ok := err.(*Error); ok {
		e.Provider = b.name
		texts := []string{p.Prefix, p.Suffix}
		for _, s := range p.Context {
			texts = append(texts, s.Text)
		}
		e.Msg = scrub(e.Msg, b.cfg.APIKey, texts...)
	}
	return err
}

// stopper applies stop strings to a stream on our side: for servers that
// cap how many they accept (OpenAI takes 4), ignore some, or for answers we
// clean up before stopping (chat). It holds back a tail that might be the
// start of a stop string until the next piece decides it.
type stopper struct {
	stops []string
	held  string
	done  bool
}

func newStopper(stops []string) *stopper { return &stopper{stops: mergeStops(stops)} }

// feed takes the next piece and returns what may be passed on, and whether
// a stop string was reached (nothing after it may be passed on).
func (s *stopper) feed(text string) (string, bool) {
	if s.done {
		return "", true
	}
	buf := s.held + text
	cut := s.firstMatch(buf)
	// A stop that begins earlier but has not arrived whole yet would win
	// over a complete one found later: hold from there.
	hold := -1
	for j := max(0, len(buf)-s.longest()+1); j < len(buf); j++ {
		if s.partial(buf[j:]) {
			hold = j
			break
		}
	}
	switch {
	case cut >= 0 && (hold < 0 || cut <= hold):
		s.held, s.done = "", true
		return buf[:cut], true
	case hold >= 0:
		s.held = buf[hold:]
		return buf[:hold], false
	}
	s.held = ""
	return buf, false
}

// firstMatch is where the earliest stop string in buf begins, or -1.
func (s *stopper) firstMatch(buf string) int {
	cut := -1
	for _, st := range s.stops {
		if i := strings.Index(buf, st); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	return cut
}

// partial reports whether tail is a proper prefix of a stop string.
func (s *stopper) partial(tail string) bool {
	for _, st := range s.stops {
		if len(tail) < len(st) && strings.HasPrefix(st, tail) {
			return true
		}
	}
	return false
}

func (s *stopper) longest() int {
	n := 0
	for _, st := range s.stops {
		n = max(n, len(st))
	}
	return n
}

// flush returns what is held back when the stream ends.
func (s *stopper) flush() string {
	if s.done {
		return ""
	}
	h := s.held
	s.held, s.done = "", true
	if cut := s.firstMatch(h); cut >= 0 {
		return h[:cut]
	}
	return h
}
