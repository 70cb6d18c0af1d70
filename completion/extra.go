package completion

import (
	"context"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Extra context is gathered once for a region of a document and then kept:
// every request in the region reuses it, in the same order. A region is
// the prompt's window start (see cutWindowAt) and the neighbourhood of the
// line where the gathering ran. Snippets come before the current file in
// the prompt, so changing them changes the prompt from its first bytes and
// throws away the model server's prefix cache (llama.cpp cache_prompt,
// vLLM prefix caching); they change only when the window moves anyway, or
// the cursor goes elsewhere. The model call never waits for more than one
// gathering per region.

// stickyLines is how far the cursor may move from where the extra context
// was gathered before it is gathered again.
const stickyLines = 40

// extra is the extra context kept for one document.
type extra struct {
	line     int // cursor line it was gathered for
	first    int // the window's first line then
	snippets []provider.Snippet
	tokens   []int // per snippet, with its header line
	retry    bool  // the gathering did not finish or found nothing: try again in the background
	tried    time.Time
}

// retryEvery spaces the background retries of a region's gathering.
const retryEvery = 2 * time.Second

// retryLimit is how long a background gathering for a region may take.
const retryLimit = 500 * time.Millisecond

// growthReserve is the share of the prefix budget the window may still grow
// by inside a region without pushing a snippet out of the prompt.
const growthReserve = 0.25

// extraContext returns the snippets for a request at offset whose window
// is w.
func (e *Engine) extraContext(ctx context.Context, ret Retriever, uri string, snap *workspace.Snapshot, offset int, w window, opts Options) []provider.Snippet {
	budget := opts.Budget.Tokens - w.Tokens
	line := lineOf(snap, offset)
	e.mu.Lock()
	x := e.extras[uri]
	if x != nil && x.first == w.First && abs(x.line-line) <= stickyLines {
		snippets, counts := x.snippets, x.tokens
		retry := x.retry && time.Since(x.tried) > retryEvery
		if retry {
			x.retry, x.tried = false, time.Now()
		}
		e.mu.Unlock()
		if retry {
			// Once per failed gathering: a slow retriever (an index still
			// warming, a loaded machine) gets time it could not have on
			// the request's path.
			gs := snap.Clone()
			go func() {
				defer gs.Close()
				ctx, cancel := context.WithTimeout(context.Background(), retryLimit)
				defer cancel()
				s := ret.Gather(ctx, gs, offset, [2]int{w.Start, w.End}, budget, time.Now().Add(retryLimit))
				if len(s) == 0 {
					e.mu.Lock()
					x.retry = true
					e.mu.Unlock()
					return
				}
				snippets, counts := stableOrder(nil, s)
				e.mu.Lock()
				if e.extras[uri] == x {
					x.snippets, x.tokens = snippets, counts
				}
				e.mu.Unlock()
			}()
		}
		return fit(snippets, counts, budget)
	}
	nx := &extra{line: line, first: w.First}
	if x != nil {
		// Until the new region's gathering is in, the old region's
		// snippets stand: the prompt keeps its beginning.
		nx.snippets, nx.tokens = x.snippets, x.tokens
	}
	old, oldCounts := nx.snippets, nx.tokens
	e.extras[uri] = nx
	e.mu.Unlock()

	// Ask for less than what is left now: the window grows as the user
	// types on, and a snippet pushed out would change the prompt.
	prefixMax := int(float64(opts.Budget.Tokens) * opts.Budget.PrefixShare)
	ask := budget - min(int(float64(prefixMax)*growthReserve), max(prefixMax-w.PrefixTokens, 0))
	if ask <= 0 {
		return nil
	}
	s, late := gatherLate(ctx, ret, snap, offset, w, ask, opts.GatherTimeout)
	if late != nil && len(old) > 0 {
		// Not ready in time: the old snippets stay for the region, rather
		// than changing the prompt twice (now, and when the new ones come).
		return fit(old, oldCounts, budget)
	}
	if late != nil {
		// Not ready in time, and nothing to keep: this request goes
		// without, and the region's requests after it get the snippets
		// once they come.
		go func() {
			s, ok := <-late
			if !ok {
				e.mu.Lock()
				nx.retry = true
				e.mu.Unlock()
				return
			}
			snippets, counts := stableOrder(old, s)
			e.mu.Lock()
			if e.extras[uri] == nx {
				nx.snippets, nx.tokens = snippets, counts
			}
			e.mu.Unlock()
		}()
		return nil
	}
	snippets, counts := stableOrder(old, s)
	e.mu.Lock()
	if e.extras[uri] == nx {
		nx.snippets, nx.tokens = snippets, counts
		// Nothing at all (an index still being built): try once more in
		// the background.
		nx.retry = len(snippets) == 0
	}
	e.mu.Unlock()
	return fit(snippets, counts, budget)
}

// stableOrder puts the snippets that were already in the prompt first, in
// the order they had, and the new ones after them: a snippet that stays
// never moves, so the prompt's beginning stays byte-identical.
func stableOrder(old, cur []provider.Snippet) ([]provider.Snippet, []int) {
	type id struct{ path, text string }
	in := map[id]bool{}
	for _, s := range cur {
		in[id{s.Path, s.Text}] = true
	}
	out := make([]provider.Snippet, 0, len(cur))
	kept := map[id]bool{}
	for _, s := range old {
		if k := (id{s.Path, s.Text}); in[k] && !kept[k] {
			kept[k] = true
			out = append(out, s)
		}
	}
	for _, s := range cur {
		if k := (id{s.Path, s.Text}); !kept[k] {
			kept[k] = true
			out = append(out, s)
		}
	}
	counts := make([]int, len(out))
	for i, s := range out {
		counts[i] = tokens.Count(s.Text) + tokens.Line(s.Path) + 2
	}
	return out, counts
}

// fit keeps the leading snippets that fit in budget: the window may have
// grown a little since they were gathered.
func fit(snippets []provider.Snippet, counts []int, budget int) []provider.Snippet {
	used := 0
	for i, n := range counts {
		if used+n > budget {
			return snippets[:i]
		}
		used += n
	}
	return snippets
}

// Forget drops what the engine keeps for a closed document: its extra
// context, typing rate and any model call in flight for it.
func (e *Engine) Forget(uri string) {
	e.mu.Lock()
	delete(e.extras, uri)
	delete(e.anchors, uri)
	delete(e.guessed, uri)
	delete(e.typing, uri)
	f := e.flights[uri]
	delete(e.flights, uri)
	stale := e.retiring[uri]
	delete(e.retiring, uri)
	e.mu.Unlock()
	if f != nil {
		f.cancel()
	}
	for _, o := range stale {
		o.cancel()
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// gather asks the retriever for extra context and waits no longer than
// limit: a source that is late is skipped, never waited for, since every
// millisecond here is added to the model's own latency.
func gather(ctx context.Context, ret Retriever, snap *workspace.Snapshot, offset int, w window, opts Options, limit time.Duration) []provider.Snippet {
	deadline := time.Now().Add(limit)
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
		// The goroutine cancels gctx once it has sent: both may be ready.
		select {
		case s := <-ch:
			return s
		default:
			return nil
		}
	}
}

// lateFactor is how much longer than the request waits a gathering may run
// for the requests after it.
const lateFactor = 4

// gatherLate is gather for budget tokens that, when the retriever is not
// done within limit, returns a channel instead: it receives the snippets
// if the gathering finishes within lateFactor×limit, and is closed
// otherwise.
func gatherLate(ctx context.Context, ret Retriever, snap *workspace.Snapshot, offset int, w window, budget int, limit time.Duration) ([]provider.Snippet, <-chan []provider.Snippet) {
	now := time.Now()
	deadline := now.Add(limit * lateFactor)
	// Not the request's context: a request superseded by the next key
	// still leaves its gathering to the requests after it.
	gctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	ch := make(chan []provider.Snippet, 1)
	// The retriever may run past our return; it reads its own tree copy.
	gs := snap.Clone()
	go func() {
		defer cancel()
		defer gs.Close()
		s := ret.Gather(gctx, gs, offset, [2]int{w.Start, w.End}, budget, deadline)
		if gctx.Err() != nil {
			close(ch)
			return
		}
		ch <- s
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case s, ok := <-ch:
		if !ok {
			return nil, nil
		}
		return s, nil
	case <-t.C:
		return nil, ch
	case <-ctx.Done():
		return nil, ch
	}
}
