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
	"sync"
	"sync/atomic"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/tokens"
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
	URI      string
	Position workspace.Position
	Encoding workspace.Encoding
	Trigger  Trigger
	// OnPartial, optional, is told of the growing suggestion while the
	// model streams. ended says the call is over: the answer follows at
	// once, so the caller may send the two together.
	OnPartial func(s Suggestion, ended bool)
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
		Budget: DefaultBudget, MaxTokens: 500, GatherTimeout: 30 * time.Millisecond,
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
	Speculative                                                atomic.Int64 // calls made by Speculate
}

// Snapshot reads the counters.
func (s *Stats) Snapshot() map[string]int64 {
	return map[string]int64{
		"requests": s.Requests.Load(), "modelCalls": s.ModelCalls.Load(), "cacheHits": s.CacheHits.Load(),
		"joined": s.Joined.Load(), "cancelled": s.Cancelled.Load(), "errors": s.Errors.Load(),
		"tokensDiscarded": s.TokensDiscarded.Load(), "speculative": s.Speculative.Load(),
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
	flights   map[string]*flight   // per document: the model call in flight
	retiring  map[string][]*flight // per document: calls to cancel once the next one is sent (see retire)
	typing    map[string]*typingRate
	extras    map[string]*extra // per document: extra context kept between requests
	anchors   map[string]int    // per document: the first line of the last prompt's window
	guessed   map[string]key    // per document: the state Speculate last asked for
	breaker   breaker
	warmOnce  sync.Once

	// OnStatus is told when the provider's health changes (set before use).
	OnStatus func(Status)
	// OnPrompt, when set, sees every prompt sent (tests and debugging).
	OnPrompt func(provider.Prompt)
	// OnLaunch, when set, is told of every model call as it starts
	// (benchmarks: it separates the debounce from the server's own time).
	OnLaunch func(Launch)
}

// Launch describes a model call as it starts.
type Launch struct {
	URI      string
	Position workspace.Position // of the request that made the call
	Debounce time.Duration      // waited on purpose before the call (automatic triggers)
	Prepare  time.Duration      // the engine's own time from the request to the call
	Prompt   provider.Prompt    // what was sent (it tells calls apart)
	At       time.Time          // when the call was handed to the provider
}

// New returns an engine over ws that asks p.
func New(ws *workspace.Workspace, p provider.Provider, opts Options) *Engine {
	return &Engine{ws: ws, prov: p, opts: opts, cache: newAnswerCache(100),
		flights: map[string]*flight{}, retiring: map[string][]*flight{}, typing: map[string]*typingRate{}, extras: map[string]*extra{}, anchors: map[string]int{},
		guessed: map[string]key{}}
}

// Warm loads, in the background, what the first request would otherwise
// wait for (the token counter's vocabulary). The server calls it when the
// first document opens: not at initialize, which must stay light.
func (e *Engine) Warm() {
	e.warmOnce.Do(func() { go tokens.Warm() })
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
	began := time.Now()
	var waited time.Duration
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
	k := makeKey(snap.Text, offset)
	reply = e.alternatives(ctx, req, snap, offset, shape, reply) // Cycling: more suggestions

	// 1. The user is typing through an answer we already have.
	if rest, ok := e.cache.lookup(snap.Text, offset, k.suffixHash); ok {
		rate.served(true)
		e.Stats.CacheHits.Add(1)
		return reply(finish(rest, shape), "cache"), nil
	}

	// 2. A model call in flight that this request extends: wait for it.
	f, typed, agreed := e.joinable(req.URI, snap.Text, offset, k.suffixHash)
	trusted := rate.served(agreed)
	if f != nil {
		e.Stats.Joined.Add(1)
		// While typing, a block that is still streaming is answered with
		// the lines already complete: the next key would cancel a request
		// that waited for the whole block, and the user would see nothing.
		ans, err := f.wait(ctx, typed, req.OnPartial, at, e, req.Trigger == Automatic)
		if err != nil {
			return nil, err
		}
		return reply(finish(ans, shape), "joined"), nil
	}

	// 3. A new model call, after the debounce for automatic triggers.
	if req.Trigger == Automatic && !trusted {
		if d := rate.debounce(opts.Debounce); d > 0 {
			w0 := time.Now()
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				e.Stats.Cancelled.Add(1)
				return nil, ctx.Err()
			case <-t.C:
			}
			waited = time.Since(w0)
		}
	}
	if err := e.breakerAllows(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	ret, prov := e.retriever, e.prov
	anchor, ok := e.anchors[req.URI]
	e.mu.Unlock()
	if !ok {
		anchor = -1
	}
	w := cutWindowAt(snap, offset, opts.Budget, anchor)
	e.mu.Lock()
	e.anchors[req.URI] = w.First
	e.mu.Unlock()
	var snippets []provider.Snippet
	if ret != nil && opts.Budget.Tokens-w.Tokens > 0 {
		snippets = e.extraContext(ctx, ret, req.URI, snap, offset, w, opts)
	}
	prompt := buildPrompt(snap, w, opts.Roots, snippets, shape, opts.MaxTokens)
	if e.OnPrompt != nil {
		e.OnPrompt(prompt)
	}
	if e.OnLaunch != nil {
		e.OnLaunch(Launch{URI: req.URI, Position: req.Position, Debounce: waited, Prepare: time.Since(began) - waited, Prompt: prompt, At: time.Now()})
	}
	f = e.launch(req.URI, k, prov, prompt, shape, langID(snap))
	ans, err := f.wait(ctx, "", req.OnPartial, at, e, false)
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
		snippets = gather(ctx, ret, snap, offset, w, opts, opts.GatherTimeout)
	}
	return buildPrompt(snap, w, opts.Roots, snippets, shape, opts.MaxTokens), nil
}
