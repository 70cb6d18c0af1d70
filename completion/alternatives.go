package completion

import (
	"context"
	"strings"
	"sync"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Cycling is a request for other suggestions: the user pressed next or
// previous, or asked for a completion explicitly. Like Invoked it has no
// debounce; besides the usual answer it gets up to MaxSuggestions-1 more,
// sampled at SampleTemperature, so that there is something to cycle to.
const Cycling Trigger = 3

const (
	// MaxSuggestions is how many distinct suggestions a Cycling request
	// gets at most: Copilot's cycling shows three.
	MaxSuggestions = 3
	// SampleTemperature is high enough that samples differ from the greedy
	// answer and from each other, low enough that they stay plausible.
	SampleTemperature = 0.8
)

// alternatives returns reply extended, for a Cycling request, with the
// answers of MaxSuggestions-1 more model calls sampled at a higher
// temperature. They start once the usual answer is in hand: at once when it
// comes from the cache (next or previous on ghost text already shown), after
// the usual call otherwise, so that a failing model costs one call, not
// three. Each is cut and shaped like the usual answer; duplicates and empty
// ones are dropped, and the usual answer stays first. Other triggers get
// reply unchanged: typing makes one model call at most.
func (e *Engine) alternatives(ctx context.Context, req Request, snap *workspace.Snapshot, offset int, shape Shape, reply func(text, source string) *Result) func(text, source string) *Result {
	if req.Trigger != Cycling {
		return reply
	}
	return func(text, source string) *Result {
		res := reply(text, source)
		if e.breakerAllows() != nil {
			return res
		}
		samples := e.samples(ctx, snap, offset, shape)
		if ctx.Err() != nil {
			return res
		}
		at := snap.Position(offset, req.Encoding)
		seen := map[string]bool{}
		for _, it := range res.Items {
			seen[dedupKey(it.Text)] = true
		}
		for _, s := range samples {
			if k := dedupKey(s); k != "" && !seen[k] && len(res.Items) < MaxSuggestions {
				seen[k] = true
				res.Items = append(res.Items, Suggestion{Text: s, Range: workspace.Range{Start: at, End: at}})
			}
		}
		if len(res.Items) > 0 {
			res.Reason = ""
		}
		return res
	}
}

// samples asks the model MaxSuggestions-1 times at once, at
// SampleTemperature, with the prompt the usual call would send.
func (e *Engine) samples(ctx context.Context, snap *workspace.Snapshot, offset int, shape Shape) []string {
	e.mu.Lock()
	opts, ret, prov := e.opts, e.retriever, e.prov
	e.mu.Unlock()
	w := cutWindow(snap, offset, opts.Budget)
	var snippets []provider.Snippet
	if ret != nil && opts.Budget.Tokens-w.Tokens > 0 {
		snippets = gather(ctx, ret, snap, offset, w, opts, opts.GatherTimeout)
	}
	prompt := buildPrompt(snap, w, opts.Roots, snippets, shape, opts.MaxTokens)
	prompt.Temperature = SampleTemperature
	lang := langID(snap)

	out := make([]string, MaxSuggestions-1)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		e.Stats.ModelCalls.Add(1)
		go func() {
			defer wg.Done()
			out[i] = sample(ctx, prov, prompt, shape, lang)
		}()
	}
	wg.Wait()
	return out
}

// sample makes one model call for prompt and returns its answer, cut and
// shaped like the usual one; "" when the call fails (an alternative is a
// bonus: its failure is not the request's).
func sample(ctx context.Context, prov provider.Provider, prompt provider.Prompt, shape Shape, lang string) string {
	c := newCutter(shape, lang)
	err := prov.Complete(ctx, prompt, func(chunk string) bool { return !c.feed(chunk) })
	if err != nil {
		return ""
	}
	c.end()
	return finish(c.answer(), shape)
}

// dedupKey is what two suggestions must share to count as the same: they
// may differ in trailing blanks only.
func dedupKey(s string) string {
	return strings.TrimRight(s, " \t\r\n")
}
