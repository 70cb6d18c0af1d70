package completion

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

// flight is one model call. It belongs to no LSP request: requests wait on
// it, and when the last one leaves (cancelled, superseded) it lingers a
// moment for a request that extends it, so that typing ahead of a slow
// model does not restart it at every key.
type flight struct {
	uri string
	k   key

	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	cut     *cutter
	err     error
	waiters int
	linger  *time.Timer
	onTrack bool          // part of the answer was given while typing: finish it, no linger
	final   bool          // the provider said the next text is the answer's last
	unseen  bool          // text grew since the waiters were last woken
	changed chan struct{} // closed and replaced whenever visible text grows
}

// launch starts a model call for uri, replacing (and cancelling) whatever
// was in flight for it. The calls it replaces, and those retired for uri
// since the last launch, are cancelled once the new call's request is out
// (see provider.WithSent), with backends that say when that is.
func (e *Engine) launch(uri string, k key, p provider.Provider, prompt provider.Prompt, s Shape, lang string) *flight {
	ctx, cancel := context.WithCancel(context.Background())
	f := &flight{uri: uri, k: k, cancel: cancel, done: make(chan struct{}), cut: newCutter(s, lang), changed: make(chan struct{})}
	e.mu.Lock()
	old := e.flights[uri]
	stale := e.retiring[uri]
	delete(e.retiring, uri)
	e.flights[uri] = f
	e.mu.Unlock()
	if old != nil {
		stale = append(stale, old)
		if provider.ReportsSent(p) {
			time.AfterFunc(retireDelay, old.cancel)
		}
	}
	if len(stale) > 0 {
		end := func() {
			for _, o := range stale {
				o.cancel()
			}
		}
		if provider.ReportsSent(p) {
			ctx = provider.WithSent(ctx, func() { time.AfterFunc(time.Millisecond, end) })
		} else {
			end()
		}
	}
	e.Stats.ModelCalls.Add(1)
	ctx = provider.WithFinal(ctx, func() {
		f.mu.Lock()
		f.final = true
		f.mu.Unlock()
	})
	// wake tells the waiters that the text grew; f.mu held. With a
	// provider that says when it is about to wait for the model, that is
	// when they are told, besides when the answer is whole.
	wake := func() chan struct{} {
		ch := f.changed
		f.changed = make(chan struct{})
		f.unseen = false
		return ch
	}
	batched := provider.ReportsSent(p)
	if batched {
		ctx = provider.WithWait(ctx, func() {
			f.mu.Lock()
			var ch chan struct{}
			if f.unseen {
				ch = wake()
			}
			f.mu.Unlock()
			if ch != nil {
				close(ch)
			}
		})
	}
	go func() {
		defer close(f.done)
		defer cancel()
		// settle stores a complete answer and retires the call, so that
		// the next key finds the answer in the cache; as soon as the cut
		// has the whole answer, not when the stream has wound down.
		var settled sync.Once
		settle := func(ans string, ok bool) {
			settled.Do(func() {
				if ok {
					e.cache.add(f.k, ans)
				}
				e.mu.Lock()
				if e.flights[uri] == f {
					delete(e.flights, uri)
				}
				e.mu.Unlock()
			})
		}
		err := p.Complete(ctx, prompt, func(chunk string) bool {
			f.mu.Lock()
			full := f.cut.feed(chunk)
			if f.final {
				// Nothing follows: the waiters get the whole answer
				// now, not once the stream has wound down.
				f.cut.end()
				full = true
			}
			if !full && batched {
				f.unseen = true // told at the provider's next wait
				f.mu.Unlock()
				return true
			}
			ch := wake()
			if !full {
				f.mu.Unlock()
				close(ch)
				return true
			}
			ans, waited := f.cut.answer(), f.waiters > 0
			f.mu.Unlock()
			settle(ans, true)
			close(ch)
			if waited {
				// Let a waiter run now, on this thread. Left to another,
				// it waits for an idle CPU to wake (~0.1 ms on a virtual
				// machine) while this goroutine winds the call down,
				// which nobody waits for. Before the answer is whole, a
				// waiter runs here once this goroutine blocks on the
				// stream.
				runtime.Gosched()
			}
			// Whatever the model would still send is thrown away unread:
			// stop the stream now.
			return false
		})
		f.mu.Lock()
		f.err = err
		f.cut.end()
		ans := f.cut.answer()
		discarded := f.cut.buf.Len() - len(ans)
		if err != nil {
			discarded = f.cut.buf.Len() // a failed or cancelled call is all waste
		}
		f.mu.Unlock()
		if discarded > 0 {
			e.Stats.TokensDiscarded.Add(int64(discarded+3) / 4)
		}
		e.record(err)
		settle(ans, err == nil)
	}()
	return f
}

// joinable returns the flight for uri that a request at offset extends, and
// what was typed since it started; otherwise it cancels that flight, since
// its answer can no longer fit. agreed says the user has typed some of what
// the model has already sent.
func (e *Engine) joinable(uri, text string, offset int, suffixHash uint64) (f *flight, typed string, agreed bool) {
	e.mu.Lock()
	f = e.flights[uri]
	e.mu.Unlock()
	if f == nil {
		return nil, "", false
	}
	typed, ok := f.k.typedSince(text, offset, suffixHash)
	if ok {
		f.mu.Lock()
		so := f.cut.buf.String()
		f.mu.Unlock()
		// Compatible while what was typed and what has streamed agree.
		if strings.HasPrefix(so, typed) || strings.HasPrefix(typed, so) {
			return f, typed, so != "" && typed != ""
		}
	}
	e.mu.Lock()
	if e.flights[uri] == f {
		delete(e.flights, uri)
	}
	e.mu.Unlock()
	e.retire(uri, f)
	return nil, "", false
}

// retireDelay bounds how long a call whose answer can no longer be used
// runs on, waiting for the call that replaces it to be sent: about the
// server's time from a request to its model call, at the 99th percentile.
const retireDelay = 10 * time.Millisecond

// retire cancels f, a call whose answer can no longer be used, when the
// next call for uri has been sent or after retireDelay, whichever comes
// first (at once with a backend that does not say when a request is sent).
// Cancelling it first put the ending of the old call on the new one's path.
func (e *Engine) retire(uri string, f *flight) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !provider.ReportsSent(e.prov) {
		f.cancel()
		return
	}
	time.AfterFunc(retireDelay, f.cancel)
	e.retiring[uri] = append(e.retiring[uri], f)
}

// wait blocks until the flight's answer is complete or ctx ends, passing the
// growing suggestion (minus what was typed since the flight began) to
// onPartial. It returns the answer with typed cut off the front.
//
// With early, it returns as soon as whole lines beyond the cursor's line
// are visible in a multi-line answer.
func (f *flight) wait(ctx context.Context, typed string, onPartial func(Suggestion, bool), at workspace.Position, e *Engine, early bool) (string, error) {
	f.mu.Lock()
	f.waiters++
	if f.linger != nil {
		f.linger.Stop()
		f.linger = nil
	}
	f.mu.Unlock()
	defer f.leave(e)

	last := ""
	for {
		f.mu.Lock()
		vis := f.cut.visible()
		// The cut has found where the answer ends: it is final, whatever
		// the rest of the stream says, and the answer need not wait for
		// the call to wind down (the stream's close, the cache).
		complete := f.cut.done
		ch := f.changed
		f.mu.Unlock()
		if len(vis) > len(typed) && strings.HasPrefix(vis, typed) {
			p := vis[len(typed):]
			if onPartial != nil && p != last && strings.TrimSpace(p) != "" {
				last = p
				ended := complete
				select {
				case <-f.done:
					ended = true
				default:
				}
				onPartial(Suggestion{Text: p, Range: workspace.Range{Start: at, End: at}}, ended)
			}
			if early && f.cut.shape.Multiline && strings.Contains(strings.TrimLeft(p, "\n"), "\n") {
				// The user is typing what this call predicts: let it
				// finish for the keys to come (a key that disagrees
				// still cancels it, in joinable).
				f.mu.Lock()
				f.onTrack = true
				f.mu.Unlock()
				return p, nil
			}
		}
		if complete {
			if !strings.HasPrefix(vis, typed) {
				return "", nil // the user typed something else
			}
			return vis[len(typed):], nil
		}
		select {
		case <-f.done:
			f.mu.Lock()
			ans, err := f.cut.answer(), f.err
			f.mu.Unlock()
			if err != nil {
				if errors.Is(err, context.Canceled) && ctx.Err() != nil {
					return "", ctx.Err()
				}
				e.Stats.Errors.Add(1)
				return "", err
			}
			if !strings.HasPrefix(ans, typed) {
				return "", nil // the user typed something else
			}
			return ans[len(typed):], nil
		case <-ctx.Done():
			e.Stats.Cancelled.Add(1)
			return "", ctx.Err()
		case <-ch:
		}
	}
}

// leave drops a waiter; the last one out starts the linger timer.
func (f *flight) leave(e *Engine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waiters--
	if f.waiters > 0 {
		return
	}
	select {
	case <-f.done:
		return
	default:
	}
	if f.onTrack || f.cut.done {
		return // ending by itself, with an answer for the cache
	}
	linger := e.Options().Linger
	if linger <= 0 {
		f.cancel()
		return
	}
	f.linger = time.AfterFunc(linger, func() {
		f.mu.Lock()
		idle := f.waiters == 0
		f.mu.Unlock()
		if idle {
			f.cancel()
		}
	})
}

// Speculate asks the model, in the background, for what follows once the
// suggestion text shown at pos in snap is accepted (Copilot fires this when
// a suggestion is displayed). The answer is kept as if a request had been
// made in that state: accepting and going on shows the next suggestion
// from the cache, or joins the call if it is still running, with no model
// wait. If the user types something else instead, the next request cancels
// the call as it cancels any call it does not extend. It does nothing
// unless the model has been right lately in this document (see
// typingRate.served). The caller keeps ownership of snap.
func (e *Engine) Speculate(snap *workspace.Snapshot, pos workspace.Position, enc workspace.Encoding, text string) {
	if text == "" {
		return
	}
	offset, exact := snap.Offset(pos, enc)
	if !exact {
		return
	}
	next := snap.WithInsert(offset, text)
	at := offset + len(text)
	shape, ok := decideShape(next, at)
	if !ok {
		return
	}
	k := makeKey(next.Text, at)
	if _, ok := e.cache.lookup(next.Text, at, k.suffixHash); ok {
		return // already known
	}
	e.mu.Lock()
	if rate := e.typing[snap.URI]; rate == nil || !rate.trusted() {
		// Only while the model has been right lately: against a model
		// that is wrong, a guess about its acceptance is a wasted call.
		e.mu.Unlock()
		return
	}
	if e.flights[snap.URI] != nil {
		// A call still running (the rest of a block being streamed, or
		// one for this very state) is never cancelled for a guess.
		e.mu.Unlock()
		return
	}
	if e.guessed[snap.URI] == k {
		// Guessed at already (the suggestion shown again, or reported
		// shown after the answer itself asked): its answer, if any, is
		// in the cache, and an empty one would be empty again.
		e.mu.Unlock()
		return
	}
	e.guessed[snap.URI] = k
	opts, prov := e.opts, e.prov
	anchor, ok := e.anchors[snap.URI]
	var snippets []provider.Snippet
	x := e.extras[snap.URI]
	e.mu.Unlock()
	if e.breakerAllows() != nil {
		return
	}
	if !ok {
		anchor = -1
	}
	w := cutWindowAt(next, at, opts.Budget, anchor)
	if x != nil && x.first == w.First {
		// The region's snippets as they are: no gathering for a guess.
		e.mu.Lock()
		snippets = fit(x.snippets, x.tokens, opts.Budget.Tokens-w.Tokens)
		e.mu.Unlock()
	}
	prompt := buildPrompt(next, w, opts.Roots, snippets, shape, opts.MaxTokens)
	e.Stats.Speculative.Add(1)
	e.launch(snap.URI, k, prov, prompt, shape, langID(next))
}
