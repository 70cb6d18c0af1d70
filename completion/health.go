package completion

import (
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
)

// Status is the provider's health as the user should see it.
type Status struct {
	Kind    string // "Normal", "Warning", "Error"
	Message string
	Err     *provider.Error // the failure, when Kind is not Normal
}

// ErrBackingOff is returned without calling the model while the breaker is
// open after failures.
var ErrBackingOff = errors.New("model endpoint is failing; waiting before trying again")

// breaker stops a dead or refusing endpoint from being hammered at every
// keystroke: after a failure, calls wait out an exponential backoff (or the
// server's Retry-After), then one call probes; a success closes it again.
type breaker struct {
	failures int
	until    time.Time
	last     *provider.Error
}

const maxBackoff = 60 * time.Second

func (e *Engine) breakerAllows() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.breaker.failures == 0 || time.Now().After(e.breaker.until) {
		return nil
	}
	return fmt.Errorf("%w (%s; retrying in %s)", ErrBackingOff, e.breaker.last, time.Until(e.breaker.until).Round(100*time.Millisecond))
}

// record updates the breaker with a call's outcome and reports a change of
// health once, not once per keystroke.
func (e *Engine) record(err error) {
	var pe *provider.Error
	if err != nil && !errors.As(err, &pe) {
		return // cancellation and the like say nothing about the endpoint
	}
	e.mu.Lock()
	was := e.breaker.failures
	var st *Status
	if pe == nil {
		e.breaker = breaker{}
		if was > 0 {
			st = &Status{Kind: "Normal", Message: "model is answering again"}
		}
	} else if pe.Kind != provider.KindBadRequest && pe.Kind != provider.KindMalformed {
		e.breaker.failures++
		d := time.Duration(1<<min(e.breaker.failures-1, 6)) * time.Second
		if pe.RetryAfter > 0 {
			d = pe.RetryAfter
		}
		e.breaker.until = time.Now().Add(min(d, maxBackoff))
		prevKind := provider.KindUnknown
		if e.breaker.last != nil {
			prevKind = e.breaker.last.Kind
		}
		e.breaker.last = pe
		if was == 0 || prevKind != pe.Kind {
			st = &Status{Kind: "Error", Message: describe(pe), Err: pe}
		}
	} else {
		// The endpoint answered but disliked one request: say so once per
		// kind, without backing off.
		if e.breaker.last == nil || e.breaker.last.Kind != pe.Kind {
			e.breaker.last = pe
			st = &Status{Kind: "Warning", Message: describe(pe), Err: pe}
		}
	}
	cb := e.OnStatus
	e.mu.Unlock()
	if st != nil && cb != nil {
		cb(*st)
	}
}

func describe(pe *provider.Error) string {
	switch pe.Kind {
	case provider.KindAuth:
		return fmt.Sprintf("Inkling: the model endpoint refused the API key (%s). Set INKLING_API_KEY or inkling.apiKey.", pe)
	case provider.KindRateLimit:
		return fmt.Sprintf("Inkling: rate limited by the model endpoint (%s); pausing completions.", pe)
	case provider.KindUnreachable:
		return fmt.Sprintf("Inkling: cannot reach the model endpoint (%s). Is the server running?", pe)
	case provider.KindTimeout:
		return fmt.Sprintf("Inkling: the model endpoint timed out (%s).", pe)
	case provider.KindServer:
		return fmt.Sprintf("Inkling: the model endpoint failed (%s).", pe)
	}
	return "Inkling: " + pe.Error()
}

// typingRate estimates the time between keystrokes to size the debounce:
// while the user types fast, requests are superseded before a model could
// answer them, so waiting a little longer than one keystroke saves calls; a
// pause fires at once.
type typingRate struct {
	mu     sync.Mutex
	last   time.Time
	ema    time.Duration
	recent uint16 // one bit per recent request: was the model right (see served)
}

// served notes whether a request showed the model was right: it was served
// from an answer the user is typing through, or joined a call whose text
// the user was typing. It says whether the model has been right lately
// (in 4 of the last 16 requests): then a call is worth making at once,
// since the keys that follow will most likely join it or type through its
// answer. Someone typing past wrong suggestions keeps the debounce that
// spares the model.
func (t *typingRate) served(right bool) (trusted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	trusted = bits.OnesCount16(t.recent) >= 4
	t.recent <<= 1
	if right {
		t.recent |= 1
	}
	return trusted
}

// trusted says whether the model has been right lately, without noting a
// request.
func (t *typingRate) trusted() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bits.OnesCount16(t.recent) >= 4
}

func (t *typingRate) observe(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.last.IsZero() {
		d := now.Sub(t.last)
		if d > time.Second {
			d = time.Second
		}
		if t.ema == 0 {
			t.ema = d
		} else {
			t.ema = (t.ema*3 + d) / 4
		}
	}
	t.last = now
}

func (t *typingRate) debounce(fixed time.Duration) time.Duration {
	if fixed >= 0 {
		return fixed
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ema == 0 || t.ema > 300*time.Millisecond {
		return 0 // not typing in a burst
	}
	return min(t.ema*5/4, 150*time.Millisecond)
}
