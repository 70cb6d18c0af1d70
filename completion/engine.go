// Package completion is Inkling's engine: one completion request from cursor
// to suggestion. It decides the answer's shape from the syntax tree, reuses
// answers the user is typing through, joins requests to a model call already
// in flight, assembles the prompt under a token budget, streams the model's
// answer and cuts it where the code block ends. It knows nothing of LSP.
package completion

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Trigger says why a completion was asked for.
type Trigger int

const (
	Invoked   Trigger = 1 // the user asked: no debounce
	Automatic Trigger = 2 // typing: debounced
)

// Request is one completion request.
type Request struct {
	URI       string
	Position  workspace.Position
	Encoding  workspace.Encoding
	Trigger   Trigger
	OnPartial func(Suggestion) // optional: the growing suggestion while the model streams
	// Snapshot, when set, is the document as the request saw it (taken
	// before later edits); the engine reads it and the caller closes it.
	Snapshot *workspace.Snapshot
}

// Suggestion is text to insert at Range (an empty range at the cursor).
type Suggestion struct {
	Text  string
	Range workspace.Range
}

// Result is the answer to a Request. Reason says why it is empty, for logs.
type Result struct {
	Items  []Suggestion
	Source string // "model", "cache", "joined"
	Reason string
}

// Retriever finds extra context for a prompt. context/retrieve implements it.
type Retriever interface {
	Gather(ctx context.Context, snap *workspace.Snapshot, offset int, local [2]int, budget int, deadline time.Time) []provider.Snippet
}

// Options tune the engine; the server sets them from configuration.
type Options struct {
	Budget        Budget
	MaxTokens     int           // cap on a multi-line answer
	GatherTimeout time.Duration // extra context that is not ready by then is skipped
	Debounce      time.Duration // <0: adaptive; 0: none; >0: fixed (automatic triggers only)
	Linger        time.Duration // how long a model call nobody waits for survives, for a request that may extend it
	MaxFileBytes  int           // larger buffers get no completion
	Roots         []string
}

// DefaultOptions are what a user gets with no configuration.
func DefaultOptions() Options {
	return Options{
		Budget: DefaultBudget, MaxTokens: 256, GatherTimeout: 30 * time.Millisecond,
		Debounce: -1, Linger: 200 * time.Millisecond, MaxFileBytes: 4 << 20,
	}
}

// Errors a caller maps to protocol errors.
var (
	ErrBadPosition = errors.New("position is outside the document")
	ErrTooLarge    = errors.New("document is too large to complete")
)

// Stats count what the engine did; read them with Snapshot.
type Stats struct {
	Requests, ModelCalls, CacheHits, Joined, Cancelled, Errors atomic.Int64
	TokensDiscarded                                            atomic.Int64
}

// Snapshot reads the counters.
func (s *Stats) Snapshot() map[string]int64 {
	return map[string]int64{
		"requests": s.Requests.Load(), "modelCalls": s.ModelCalls.Load(), "cacheHits": s.CacheHits.Load(),
		"joined": s.Joined.Load(), "cancelled": s.Cancelled.Load(), "errors": s.Errors.Load(),
		"tokensDiscarded": s.TokensDiscarded.Load(),
	}
}

// Engine answers completion requests. It is safe for concurrent use.
type Engine struct {
	ws    *workspace.Workspace
	cache *answerCache
	Stats Stats

	mu        sync.Mutex
	prov      provider.Provider
	retriever Retriever
	opts      Options
	flights   map[string]*flight // per document: the model call in flight
	typing    map[string]*typingRate
	breaker   breaker

	// OnStatus is told when the provider's health changes (set before use).
	OnStatus func(Status)
	// OnPrompt, when set, sees every prompt sent (tests and debugging).
	OnPrompt func(provider.Prompt)
}

// New returns an engine over ws that asks p.
func New(ws *workspace.Workspace, p provider.Provider, opts Options) *Engine {
	return &Engine{ws: ws, prov: p, opts: opts, cache: newAnswerCache(100),
		flights: map[string]*flight{}, typing: map[string]*typingRate{}}
}

// SetProvider swaps the backend; requests already in flight finish on the old one.
func (e *Engine) SetProvider(p provider.Provider) {
	e.mu.Lock()
	e.prov = p
	e.breaker = breaker{}
	e.mu.Unlock()
}

// Provider is the current backend.
func (e *Engine) Provider() provider.Provider {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prov
}

// SetRetriever sets the source of extra context (nil: local windows only).
func (e *Engine) SetRetriever(r Retriever) {
	e.mu.Lock()
	e.retriever = r
	e.mu.Unlock()
}

// SetOptions replaces the options.
func (e *Engine) SetOptions(o Options) {
	e.mu.Lock()
	e.opts = o
	e.mu.Unlock()
}

// Options returns the current options.
func (e *Engine) Options() Options {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opts
}

// Complete answers one request. It returns ctx.Err() when ctx is cancelled
// first (superseded or cancelled by the client).
func (e *Engine) Complete(ctx context.Context, req Request) (*Result, error) {
	e.Stats.Requests.Add(1)
	e.mu.Lock()
	opts := e.opts
	rate := e.typing[req.URI]
	if rate == nil {
		rate = &typingRate{}
		e.typing[req.URI] = rate
	}
	e.mu.Unlock()
	rate.observe(time.Now())

	snap := req.Snapshot
	if snap == nil {
		var err error
		if snap, err = e.ws.Snapshot(req.URI, true); err != nil {
			return nil, err
		}
		defer snap.Close()
	}
	if opts.MaxFileBytes > 0 && len(snap.Text) > opts.MaxFileBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the %d-byte limit", ErrTooLarge, len(snap.Text), opts.MaxFileBytes)
	}
	offset, exact := snap.Offset(req.Position, req.Encoding)
	if !exact && (req.Position.Line >= snap.LineCount() || req.Position.Line < 0 || req.Position.Character < 0) {
		return nil, fmt.Errorf("%w: line %d, character %d (the document has %d lines)", ErrBadPosition,
			req.Position.Line, req.Position.Character, snap.LineCount())
	}
	at := snap.Position(offset, req.Encoding)
	reply := func(text, source string) *Result {
		if text == "" {
			return &Result{Source: source, Reason: "empty"}
		}
		return &Result{Items: []Suggestion{{Text: text, Range: workspace.Range{Start: at, End: at}}}, Source: source}
	}

	shape, ok := decideShape(snap, offset)
	if !ok {
		return &Result{Reason: "mid-line"}, nil
	}
	suffixHash := maphash.String(seed, snap.Text[offset:])

	// 1. The user is typing through an answer we already have.
	if rest, ok := e.cache.lookup(snap.Text, offset, suffixHash); ok {
		e.Stats.CacheHits.Add(1)
		return reply(finish(rest, shape), "cache"), nil
	}

	// 2. A model call in flight that this request extends: wait for it.
	k := makeKey(snap.Text, offset)
	if f, typed := e.joinable(req.URI, snap.Text, offset, suffixHash); f != nil {
		e.Stats.Joined.Add(1)
		ans, err := f.wait(ctx, typed, req.OnPartial, at, e)
		if err != nil {
			return nil, err
		}
		return reply(finish(ans, shape), "joined"), nil
	}

	// 3. A new model call, after the debounce for automatic triggers.
	if req.Trigger == Automatic {
		if d := rate.debounce(opts.Debounce); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				e.Stats.Cancelled.Add(1)
				return nil, ctx.Err()
			case <-t.C:
			}
		}
	}
	if err := e.breakerAllows(); err != nil {
		return nil, err
	}
	w := cutWindow(snap, offset, opts.Budget)
	var snippets []provider.Snippet
	e.mu.Lock()
	ret, prov := e.retriever, e.prov
	e.mu.Unlock()
	if ret != nil && opts.Budget.Tokens-w.Tokens > 0 {
		snippets = gather(ctx, ret, snap, offset, w, opts)
	}
	prompt := buildPrompt(snap, w, opts.Roots, snippets, shape, opts.MaxTokens)
	if e.OnPrompt != nil {
		e.OnPrompt(prompt)
	}
	f := e.launch(req.URI, k, prov, prompt, shape, langID(snap))
	ans, err := f.wait(ctx, "", req.OnPartial, at, e)
	if err != nil {
		return nil, err
	}
	return reply(finish(ans, shape), "model"), nil
}

// Prompt builds the prompt a request would send, without sending it: for
// `inkling complete --json`, evaluation and tests.
func (e *Engine) Prompt(ctx context.Context, req Request) (provider.Prompt, error) {
	snap, err := e.ws.Snapshot(req.URI, true)
	if err != nil {
		return provider.Prompt{}, err
	}
	defer snap.Close()
	e.mu.Lock()
	opts, ret := e.opts, e.retriever
	e.mu.Unlock()
	offset, _ := snap.Offset(req.Position, req.Encoding)
	shape, _ := decideShape(snap, offset)
	w := cutWindow(snap, offset, opts.Budget)
	var snippets []provider.Snippet
	if ret != nil && opts.Budget.Tokens-w.Tokens > 0 {
		snippets = gather(ctx, ret, snap, offset, w, opts)
	}
	return buildPrompt(snap, w, opts.Roots, snippets, shape, opts.MaxTokens), nil
}

// gather asks the retriever for extra context and waits no longer than the
// gathering budget: a source that is late is skipped, never waited for,
// since every millisecond here is added to the model's own latency.
func gather(ctx context.Context, ret Retriever, snap *workspace.Snapshot, offset int, w window, opts Options) []provider.Snippet {
	deadline := time.Now().Add(opts.GatherTimeout)
	gctx, cancel := context.WithDeadline(ctx, deadline)
	ch := make(chan []provider.Snippet, 1)
	// The retriever may run past our return; it reads its own tree copy.
	gs := snap.Clone()
	go func() {
		defer cancel()
		defer gs.Close()
		ch <- ret.Gather(gctx, gs, offset, [2]int{w.Start, w.End}, opts.Budget.Tokens-w.Tokens, deadline)
	}()
	select {
	case s := <-ch:
		return s
	case <-gctx.Done():
		return nil
	}
}
