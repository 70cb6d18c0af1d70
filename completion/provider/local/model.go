package local

import (
	"math"
	"slices"
	"strings"
)

// The nested-cache model of Hellendoorn & Devanbu (FSE 2017): count models
// at four localities (the workspace, the open files, the current file, the
// current declaration), and a shape model of the current file (below),
// each smoothed on its own and mixed per prediction by how sure each one
// is, so that the most local model that has seen this context has the
// largest say.
//
// Each model interpolates its orders with Witten-Bell smoothing: a context
// seen S times followed by D distinct tokens gives weight D/(S+D) to the
// next shorter context. (Interpolated absolute discounting was measured
// too and did no better.) A model's confidence is the weight it puts on
// contexts of one token or more, 1 - Π D/(S+D) over the contexts it has
// seen, times the length of the longest.

const (
	global = iota
	openFiles
	file
	// shape is the current file again, seen through contexts in which
	// every identifier is one symbol (idSym) while the predicted token
	// stays itself. Code repeats its shapes with other names — a call
	// made on three variables in turn, a switch over types — and the
	// abstract contexts recognise the shape where the plain n-grams see
	// a name they never saw there. Literals are abstracted alike.
	// (Measured on the development splits: next-token MRR +0.02 to
	// +0.04. In a prototype the same model trained on the whole
	// workspace added under 0.01 more, at twice the training work.)
	shape
	// decl is the current top-level declaration (the function the
	// cursor is in, say): a cache nested inside the file's, as the
	// paper nests caches by locality. Its names and idioms are the
	// likeliest of all. (Measured on the development splits: next-token
	// MRR +0.004 to +0.007.)
	decl
	nModels
)

// weights are the models' weights in the mix, besides their confidence.
// The shape model's abstract contexts match more often, and are surer,
// than they deserve against the plain ones: it gets half a say (tuned
// on the development splits; 0.3 to 0.6 are as good).
var weights = [nModels]float64{1, 1, 1, 0.5, 1}

// prior is a pseudo-count added to every context's backoff weight. Plain
// Witten-Bell gives a continuation seen once a probability of at least
// one half, which makes a single accident look like an idiom; with the
// prior it takes a few sightings.
var prior = 1.0

// shapePrior is the shape model's prior. Its long abstract contexts are
// often seen once, and then name no particular identifier: it takes a
// few sightings before one is trusted. (Next-token MRR is flat from 0.3
// to 4; at 1 the engine completes gibberish from its own shapes.)
var shapePrior = 2.0

// mix is the set of models consulted for one request.
type mix struct {
	tries           [nModels]*trie
	weight          [nModels]float64
	uni             float64 // uniform base probability, 1/vocabulary size
	firstNL, lastNL uint32
	// abs maps a symbol to its symbol in the shape model's contexts:
	// idSym for identifiers, litSym for literals, else itself. Nil when
	// there is no shape model.
	abs func(uint32) uint32
}

// ctxs holds, per model, the trie nodes of the contexts of length 0 to
// order-1 that end at the current position; 0 where unseen.
type ctxs [nModels][order]uint32

func (m *mix) start() ctxs {
	var c ctxs
	for i, t := range m.tries {
		if t != nil {
			c[i][0] = rootID
		}
	}
	return c
}

// declStart returns the index in syms of the layout symbol that starts
// the last top-level line, where the current declaration begins; 0 if
// there is none.
func declStart(syms []uint32, isNL func(uint32) bool, strs []string) int {
	start, depth := 0, 0
	for i, w := range syms {
		if isNL(w) {
			d, _ := nlDelta(strs[w])
			if depth = max(0, depth+d); depth == 0 {
				start = i
			}
		}
	}
	return start
}

// release returns the per-request tries to fileTries.
func (m *mix) release() {
	for _, t := range []*trie{m.tries[file], m.tries[shape], m.tries[decl]} {
		if t != nil && t.bytes() < 8<<20 { // don't keep a huge one alive
			t.reset()
			fileTries.Put(t)
		}
	}
}

func (m *mix) isNL(id uint32) bool { return id >= m.firstNL && id <= m.lastNL }

// prob returns p(w | c) and the contexts after w.
func (m *mix) prob(c *ctxs, w uint32) (float64, ctxs) {
	var next ctxs
	num, den := 0.0, 0.0
	for i, t := range m.tries {
		if t == nil {
			continue
		}
		step := w
		if i == shape {
			step = m.abs(w)
		}
		pr := prior
		if i == shape {
			pr = shapePrior
		}
		p, rest, depth := m.smoothed(t, &c[i], &next[i], w, step, pr)
		// Longer matched contexts also count: a model that has seen the
		// last five tokens knows more than one that has seen the last one,
		// however often. (Measured: slightly better than confidence alone.)
		wt := m.weight[i] * max(1-rest, 0.01) * float64(depth+1)
		num += wt * p
		den += wt
	}
	if den == 0 {
		return m.uni, next
	}
	return num / den, next
}

// smoothed returns one model's Witten-Bell probability of w after the
// contexts c, and fills next with the contexts after the symbol step
// (w itself, or w's abstraction in the shape model). rest is the weight
// left for the unigram and uniform levels; depth the longest context seen.
func (m *mix) smoothed(t *trie, c, next *[order]uint32, w, step uint32, prior float64) (p, rest float64, depth int) {
	next[0] = rootID
	p = m.uni
	rest = 1.0
	for k := 0; k < order; k++ {
		n := c[k]
		if n == 0 {
			break
		}
		ns := t.stats(k, n)
		if ns.seen+ns.bo == 0 {
			break
		}
		kid := t.child(k, n, w)
		if k+1 < order {
			if step == w {
				next[k+1] = kid
			} else {
				next[k+1] = t.child(k, n, step)
			}
		}
		cnt := 0.0
		if kid != 0 {
			cnt = float64(t.count(k+1, kid))
		}
		bo := float64(ns.bo) + prior
		d := float64(ns.seen) + bo
		p = (cnt + bo*p) / d
		if k >= 1 {
			rest *= bo / d
		}
		depth = k
	}
	return p, rest, depth
}

// candidates lists the tokens worth scoring after c: the most frequent
// continuations of the longest contexts each model has seen.
func (m *mix) candidates(c *ctxs, buf []uint32) []uint32 {
	for i, t := range m.tries {
		if t == nil {
			continue
		}
		levels := 0
		for k := order - 1; k >= 1 && levels < 3; k-- {
			n := c[i][k]
			if n == 0 || t.stats(k, n).seen == 0 {
				continue
			}
			levels++
			buf = t.top(k, n, buf)
		}
		if i == global && levels == 0 && c[i][0] != 0 {
			buf = t.top(0, c[i][0], buf)
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

// matching lists every continuation after c whose text starts with partial
// (the word the cursor is in), from every context length.
func (m *mix) matching(c *ctxs, partial string, strs []string, buf []uint32) []uint32 {
	for i, t := range m.tries {
		if t == nil {
			continue
		}
		for k := order - 1; k >= 0; k-- {
			n := c[i][k]
			if n == 0 {
				continue
			}
			t.children(k, n, func(tok, count uint32) {
				if count > 0 && int(tok) < len(strs) && strings.HasPrefix(strs[tok], partial) {
					buf = append(buf, tok)
				}
			})
			if k >= 1 && len(buf) > 0 {
				break // longer contexts already offer words that fit
			}
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

type beam struct {
	c    ctxs
	logp float64
	syms []uint32
}

type scored struct {
	tok uint32
	p   float64
	c   ctxs
}

// line finds the most probable continuation from start up to and including
// the first layout symbol, by beam search. first, if not nil, restricts the
// first token (the cursor is inside a word); its probabilities are
// renormalised over first. It reports the continuation's log probability.
// Lines less probable than floor (a log probability) are of no use to the
// caller, and extending a beam only lowers its probability, so beams below
// floor are dropped as soon as they fall under it.
func (m *mix) line(start ctxs, first []uint32, width, maxLen int, floor float64) ([]uint32, float64, bool) {
	live := []beam{{c: start}}
	var best beam
	found := false
	var cands []uint32
	var sc []scored
	for step := 0; step < maxLen && len(live) > 0; step++ {
		var next []beam
		for bi := range live {
			b := &live[bi]
			sc = sc[:0]
			if step == 0 && first != nil {
				cands = first
			} else {
				cands = m.candidates(&b.c, cands[:0])
			}
			total := 0.0
			for _, w := range cands {
				p, nc := m.prob(&b.c, w)
				sc = append(sc, scored{w, p, nc})
				total += p
			}
			if !(step == 0 && first != nil) {
				total = 1
			}
			slices.SortFunc(sc, func(a, b scored) int {
				if a.p > b.p {
					return -1
				} else if a.p < b.p {
					return 1
				}
				return 0
			})
			if len(sc) > width {
				sc = sc[:width]
			}
			for _, s := range sc {
				nb := beam{c: s.c, logp: b.logp + math.Log(s.p/total)}
				if nb.logp < floor {
					break // sc is sorted: the rest are less probable still
				}
				nb.syms = append(append(make([]uint32, 0, len(b.syms)+1), b.syms...), s.tok)
				if m.isNL(s.tok) {
					if !found || nb.logp > best.logp {
						best, found = nb, true
					}
					continue
				}
				next = append(next, nb)
			}
		}
		slices.SortFunc(next, func(a, b beam) int {
			if a.logp > b.logp {
				return -1
			} else if a.logp < b.logp {
				return 1
			}
			return 0
		})
		if len(next) > width {
			next = next[:width]
		}
		live = next
		// Extending a beam only lowers its probability, so a finished
		// line better than every live beam cannot be beaten.
		if found && (len(live) == 0 || live[0].logp <= best.logp) {
			break
		}
	}
	return best.syms, best.logp, found
}

// rank returns the 1-based rank of w among all tokens after c, or 0 when
// it is not among the first limit. Used by the evaluation.
//
// A token that continues none of the contexts seen (of one token or
// more) gets, in each model, its unigram probability scaled by factors
// that depend only on the contexts; so among those tokens the order is
// that of a positive mix of their unigram counts, and the most frequent
// unigrams of each model (topK of them) stand in for all of them.
func (m *mix) rank(c *ctxs, w uint32, limit int, buf []uint32) int {
	pw, _ := m.prob(c, w)
	cands := m.wide(c, buf)
	r := 1
	for _, x := range cands {
		if x == w {
			continue
		}
		if p, _ := m.prob(c, x); p > pw {
			r++
			if r > limit {
				return 0
			}
		}
	}
	return r
}

// wide lists every continuation of every context each model has seen, and
// each model's most frequent tokens.
func (m *mix) wide(c *ctxs, buf []uint32) []uint32 {
	for i, t := range m.tries {
		if t == nil {
			continue
		}
		for k := order - 1; k >= 1; k-- {
			if n := c[i][k]; n != 0 && t.stats(k, n).seen > 0 {
				t.children(k, n, func(tok, count uint32) {
					if count > 0 {
						buf = append(buf, tok)
					}
				})
			}
		}
		if c[i][0] != 0 {
			buf = t.top(0, c[i][0], buf)
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}
