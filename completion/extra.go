package completion

import (
	"context"
	"time"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Extra context is gathered for a place in a document and then kept: the
// next requests near that place reuse it, in the same order, and a fresh
// gathering runs in the background for the request after. Two things come
// of it. The model call does not wait for the retriever (milliseconds on a
// large workspace), and consecutive prompts begin with the same bytes, so
// the model server's prefix cache (llama.cpp cache_prompt, vLLM prefix
// caching) keeps its work.

// stickyLines is how far the cursor may move from where the extra context
// was gathered before it is gathered again before the call.
const stickyLines = 24

// refreshLines is how far the cursor moves before the kept context is
// gathered again in the background; staleAfter is when it is even if the
// cursor has not moved (other files change too). Each refresh may change
// the prompt's beginning, so they are rare.
const (
	refreshLines = 8
	staleAfter   = 10 * time.Second
)

// extra is the extra context kept for one document.
type extra struct {
	line     int       // cursor line it was gathered for
	at       time.Time // when
	snippets []provider.Snippet
	tokens   []int // per snippet, with its header line
	running  bool  // a background gathering is under way
}

// extraContext returns the snippets for a request at offset, under budget
// tokens.
func (e *Engine) extraContext(ctx context.Context, ret Retriever, uri string, snap *workspace.Snapshot, offset int, w window, opts Options) []provider.Snippet {
	budget := opts.Budget.Tokens - w.Tokens
	line := lineOf(snap, offset)
	e.mu.Lock()
	x := e.extras[uri]
	fresh := x != nil && abs(x.line-line) <= stickyLines
	var snippets []provider.Snippet
	var counts []int
	if fresh {
		snippets, counts = x.snippets, x.tokens
	}
	e.mu.Unlock()
	if !fresh {
		s := gather(ctx, ret, snap, offset, w, opts, opts.GatherTimeout)
		x := &extra{line: line, at: time.Now()}
		x.snippets, x.tokens = stableOrder(nil, s)
		e.mu.Lock()
		e.extras[uri] = x
		e.mu.Unlock()
		return fit(x.snippets, x.tokens, budget)
	}
	if abs(x.line-line) >= refreshLines || time.Since(x.at) > staleAfter {
		e.refreshExtra(ret, uri, snap, offset, w, opts, line)
	}
	return fit(snippets, counts, budget)
}

// refreshExtra gathers for the current place in the background, with more
// time than a request could give it, for the requests that follow.
func (e *Engine) refreshExtra(ret Retriever, uri string, snap *workspace.Snapshot, offset int, w window, opts Options, line int) {
	e.mu.Lock()
	x := e.extras[uri]
	if x == nil || x.running {
		e.mu.Unlock()
		return
	}
	x.running = true
	e.mu.Unlock()
	gs := snap.Clone()
	go func() {
		defer gs.Close()
		s := gather(context.Background(), ret, gs, offset, w, opts, 4*opts.GatherTimeout)
		e.mu.Lock()
		defer e.mu.Unlock()
		x.running = false
		if e.extras[uri] != x {
			return // replaced by a gathering before a call
		}
		nx := &extra{line: line, at: time.Now()}
		nx.snippets, nx.tokens = stableOrder(x.snippets, s)
		e.extras[uri] = nx
	}()
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
	delete(e.typing, uri)
	f := e.flights[uri]
	delete(e.flights, uri)
	e.mu.Unlock()
	if f != nil {
		f.cancel()
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
