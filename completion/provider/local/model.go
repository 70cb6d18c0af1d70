package local

import (
	"math"
	"slices"
	"strings"
)

// The nested-cache model of Hellendoorn & Devanbu (FSE 2017): count models
// at four localities (the workspace, the open files, the current file, the
// current declaration), a shape model of the current file and a
// reference model of the workspace (below), each smoothed on its own and
// mixed per prediction by how sure each one is, so that the most local
// model that has seen this context has the largest say.
//
// Each model interpolates its orders with Witten-Bell smoothing: a context
// seen S times followed by D distinct tokens gives weight D/(S+D) to the
// next shorter context. (Interpolated absolute discounting was measured
// too and did no better.) A model's confidence is the weight it puts on
// contexts of one token or more, 1 - Π D/(S+D) over the contexts it has
// seen, times the length of the longest.
//
// For Go, the mix also follows the open brackets and gives no
// probability to a token the grammar rules out next (syntax.go); the
// others share its probability.

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
	// ref is the workspace read as syntax, each identifier replaced by
	// a reference to a recent one (ref.go). (Measured on the
	// development splits: next-token MRR +0.005 to +0.007 at order 4,
	// +0.008 to +0.010 at order 6, which trains slower.)
	ref
	nModels
)

// weights are the models' weights in the mix, besides their confidence.
// The shape model's abstract contexts match more often, and are surer,
// than they deserve against the plain ones: it gets half a say (tuned
// on the development splits; 0.3 to 0.6 are as good). The reference
// model spreads a new identifier's probability over the whole
// vocabulary, so a line that names one is less probable where it has a
// say: at a quarter it costs 0.001 to 0.002 MRR against a half, and
// offers lines about one point less often than without it (a half: two).
var weights = [nModels]float64{1, 1, 1, 0.5, 1, 0.25}

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

// refPrior is the reference model's prior. (Flat from 1 to 4.)
var refPrior = 2.0

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
	// strs, when not nil, are the symbols' texts (symbols interned since
	// are past its end, and not checked). By them line leaves out a
	// symbol that runs over lines (a docstring, a raw string): it
	// completes the rest of one line, and a file's other docstrings were
	// what it offered at the start of Python lines.
	strs []string
	// checks tells that the mix applies the syntax rules (syntax.go).
	checks bool
	// banFirst are texts the line's first symbol may not have (Python's
	// clauses where no compound statement can take them: python.go).
	banFirst []string
	// bracketsOnly limits the syntax rules to the brackets' (syntax.go):
	// of Go's rule for line breaks inside brackets, only the case of a }
	// just closed holds elsewhere, and that only as a habit.
	bracketsOnly bool
	// offRule is the share of its probability a token the rules rule out
	// keeps: 0 for Go, whose held-out code never breaks them; a little
	// elsewhere, where a lexer made for a family of languages can miss a
	// regular expression literal or a lifetime and so an open bracket.
	offRule float64
	// ruled are the symbols the syntax rules can rule out: the closing
	// brackets and the layout symbols.
	ruled []uint32
	// idSym is the shape models' symbol for any identifier; firstRef the
	// first of the reference model's symbols.
	idSym, firstRef uint32
	// uniRef is the reference model's uniform base probability, and
	// newIDs the number of identifiers a new-identifier prediction is
	// shared by (ref.go).
	uniRef float64
	newIDs int
	lits   int // the literals that share the reference model's litSym
}

// ctxs holds, per model, the trie nodes of the contexts of length 0 to
// order-1 that end at the current position; 0 where unseen.
// syn is the bracket state there (see syntax.go), kept when the mix
// checks syntax.
type ctxs struct {
	n      [nModels][order]uint32
	syn    syntax
	recent [nRecent]uint32 // the last distinct identifiers, latest first
	// allowed is the probability of the tokens syn allows next, by which
	// theirs are divided; 0 until needed.
	allowed float64
}

func (m *mix) start() ctxs {
	var c ctxs
	for i, t := range m.tries {
		if t != nil {
			c.n[i][0] = rootID
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
	if !m.checks {
		return m.raw(c, w)
	}
	// The tokens that syntax rules out give their share to the rest.
	allowed := true
	var y syntax
	if int(w) < len(m.strs) {
		s := m.strs[w]
		cl := classify(s)
		allowed = m.allows(&c.syn, cl, s)
		y = c.syn.after(cl, s)
	}
	p, next := m.raw(c, w)
	next.syn = y
	if !allowed {
		if m.offRule == 0 {
			return 0, next
		}
		p *= m.offRule
	}
	if c.allowed == 0 {
		c.allowed = 1
		for _, x := range m.ruled {
			if s := m.strs[x]; !m.allows(&c.syn, classify(s), s) {
				q, _ := m.raw(c, x)
				c.allowed -= q * (1 - m.offRule)
			}
		}
		c.allowed = max(c.allowed, 1e-9)
	}
	return p / c.allowed, next
}

// allows is y.allows under m's rules.
func (m *mix) allows(y *syntax, cl symClass, s string) bool {
	if m.bracketsOnly && cl == clNL {
		return !y.braceInBrackets()
	}
	return y.allows(cl, s)
}

// raw is prob without the syntax rules.
func (m *mix) raw(c *ctxs, w uint32) (float64, ctxs) {
	var next ctxs
	next.recent = c.recent
	if m.tries[ref] != nil && m.abs(w) == m.idSym && !m.special(w) {
		next.recent = pushRecent(c.recent, w)
	}
	num, den := 0.0, 0.0
	for i, t := range m.tries {
		if t == nil {
			continue
		}
		pred, step, pr, uni := w, w, prior, m.uni
		switch i {
		case shape:
			step, pr = m.abs(w), shapePrior
		case ref:
			pr, uni = refPrior, m.uniRef
			pred = refSym(&c.recent, w, m.abs(w), m.idSym, m.firstRef)
			step = pred
		}
		p, rest, depth := m.smoothed(t, &c.n[i], &next.n[i], pred, step, pr, uni)
		if i == ref {
			p = m.refShare(c, w, pred, p)
		}
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
func (m *mix) smoothed(t *trie, c, next *[order]uint32, w, step uint32, prior, uni float64) (p, rest float64, depth int) {
	next[0] = rootID
	p = uni
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
		from := len(buf)
		levels := 0
		for k := order - 1; k >= 1 && levels < 3; k-- {
			n := c.n[i][k]
			if n == 0 || t.stats(k, n).seen == 0 {
				continue
			}
			levels++
			buf = t.top(k, n, buf)
		}
		if i == global && levels == 0 && c.n[i][0] != 0 {
			buf = t.top(0, c.n[i][0], buf)
		}
		buf = m.concreteAll(i, c, buf, from)
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
			n := c.n[i][k]
			if n == 0 {
				continue
			}
			t.children(k, n, func(tok, count uint32) {
				tok, ok := m.concrete(i, c, tok)
				if ok && count > 0 && int(tok) < len(strs) && strings.HasPrefix(strs[tok], partial) {
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
				if m.spansLines(w) || step == 0 && m.banFirst != nil && int(w) < len(m.strs) && slices.Contains(m.banFirst, m.strs[w]) {
					continue
				}
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

// spansLines reports whether w is a symbol other than a line break whose
// text runs over lines.
func (m *mix) spansLines(w uint32) bool {
	return int(w) < len(m.strs) && !m.isNL(w) && strings.IndexByte(m.strs[w], '\n') >= 0
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
		from := len(buf)
		for k := order - 1; k >= 1; k-- {
			if n := c.n[i][k]; n != 0 && t.stats(k, n).seen > 0 {
				t.children(k, n, func(tok, count uint32) {
					if count > 0 {
						buf = append(buf, tok)
					}
				})
			}
		}
		if c.n[i][0] != 0 {
			buf = t.top(0, c.n[i][0], buf)
		}
		buf = m.concreteAll(i, c, buf, from)
		if i == ref {
			for _, w := range c.recent {
				if w != 0 {
					buf = append(buf, w)
				}
			}
		}
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}
