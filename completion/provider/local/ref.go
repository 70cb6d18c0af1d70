package local

import "sync"

// The reference model is the workspace read as syntax: punctuation,
// keywords and layout are themselves, every literal is one symbol
// (litSym), and every identifier is replaced by where it was last used,
// the k-th most recent distinct identifier (k < nRecent), or by "new". In `fieldsSub = append(` the
// next identifier is the second most recent, whatever it is called. Its
// n-grams, over a few dozen symbols where the plain model has thousands
// of names, are seen far more often, so it knows the workspace's syntax
// where the plain model has not seen the names; and it predicts a name
// from a new function's own recent names. Most of its gain is on
// punctuation and layout (development splits: punctuation MRR +0.01 to
// +0.02, identifiers +0.002).
//
// Its probability of a concrete identifier is that of its reference, or
// for one not among the recent, the probability of a new identifier
// shared by all the vocabulary's identifiers not recent; a literal's is
// litSym's shared by all the literals: a distribution over the
// vocabulary like the other models'. (Literals kept themselves did no
// better, and made the model grow with the workspace's strings: at 10 M
// tokens it was pruned as often as the plain model.)
//
// It is a plain n-gram model over the replaced stream, of order
// refOrder. Order 6 was measured too: development MRR +0.003 more, for
// 8 MB more heap on the standard-library benchmark and a slower
// training (BenchmarkTrain 1.11-1.18 against 1.26-1.46 M tokens/s, in
// turns on a shared machine).

// refOrder is the reference model's n-gram order, at most order.
const refOrder = 4

// nRecent is how many distinct identifiers the reference model can name.
const nRecent = 8

// refSym returns the symbol the reference model reads for w, given the
// recent identifiers and step, w's abstraction: the reference to w
// among them, idSym for an identifier not among them, step (litSym or w
// itself) for any other symbol.
func refSym(recent *[nRecent]uint32, w, step, idSym, firstRef uint32) uint32 {
	if step != idSym {
		return step
	}
	for k, r := range recent {
		if r == w {
			return firstRef + uint32(k)
		}
	}
	return idSym
}

// pushRecent returns recent after the identifier w: w first, the rest
// in order.
func pushRecent(recent [nRecent]uint32, w uint32) [nRecent]uint32 {
	k := nRecent - 1
	for i, r := range recent {
		if r == w {
			k = i
			break
		}
	}
	copy(recent[1:k+1], recent[:k])
	recent[0] = w
	return recent
}

// refSeq returns ids as the reference model reads them.
func (e *Engine) refSeq(ids []uint32, abs func(uint32) uint32) []uint32 {
	preds := make([]uint32, len(ids))
	var recent [nRecent]uint32
	for i, w := range ids {
		step := abs(w)
		preds[i] = refSym(&recent, w, step, e.idSym, e.firstRef)
		if step == e.idSym {
			recent = pushRecent(recent, w)
		}
	}
	return preds
}

// recentIn returns the last distinct identifiers of ids, latest first.
func recentIn(ids []uint32, abs func(uint32) uint32, idSym uint32) [nRecent]uint32 {
	var recent [nRecent]uint32
	n := 0
	for i := len(ids) - 1; i >= 0 && n < nRecent; i-- {
		w := ids[i]
		if abs(w) != idSym {
			continue
		}
		dup := false
		for _, r := range recent[:n] {
			dup = dup || r == w
		}
		if !dup {
			recent[n] = w
			n++
		}
	}
	return recent
}

// concrete maps a continuation tok of model i to the symbol it stands
// for after c; false if it stands for none in particular (a new
// identifier, a literal).
func (m *mix) concrete(i int, c *ctxs, tok uint32) (uint32, bool) {
	if i != ref {
		return tok, true
	}
	if tok >= m.firstRef && tok < m.firstRef+nRecent {
		w := c.recent[tok-m.firstRef]
		return w, w != 0
	}
	return tok, tok != m.idSym && tok != m.idSym+1 // not idSym nor litSym
}

// concreteAll maps model i's continuations in buf[from:] as concrete
// does, dropping those that stand for none.
func (m *mix) concreteAll(i int, c *ctxs, buf []uint32, from int) []uint32 {
	if i != ref {
		return buf
	}
	out := buf[:from]
	for _, tok := range buf[from:] {
		if w, ok := m.concrete(i, c, tok); ok {
			out = append(out, w)
		}
	}
	return out
}

// special reports whether w is one of the engine's own abstract symbols,
// which no text produces.
func (m *mix) special(w uint32) bool {
	return w == m.idSym || w == m.idSym+1 || (w >= m.firstRef && w < m.firstRef+nRecent)
}

// identCounts counts the identifiers and the literals of the vocabulary
// per language, for the reference model's shares. The vocabulary only
// grows, so each count only reads the symbols added since.
type identCounts struct {
	mu   sync.Mutex
	upto map[*spec]int    // symbols read
	n    map[*spec][2]int // identifiers and literals among them
}

// count returns how many of the first len(strs) symbols are identifiers
// and how many literals for sp; abs is absFor(sp), and maps idSym and
// litSym, which are neither, to themselves.
func (ic *identCounts) count(sp *spec, strs []string, abs func(uint32) uint32, idSym, litSym uint32) (ids, lits int) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.upto == nil {
		ic.upto, ic.n = make(map[*spec]int), make(map[*spec][2]int)
	}
	n := ic.n[sp]
	for w := ic.upto[sp]; w < len(strs); w++ {
		switch a := abs(uint32(w)); {
		case uint32(w) == idSym || uint32(w) == litSym:
		case a == idSym:
			n[0]++
		case a == litSym:
			n[1]++
		}
	}
	ic.n[sp] = n
	ic.upto[sp] = max(ic.upto[sp], len(strs))
	return n[0], n[1]
}

// refShare turns the reference model's probability p of pred, the symbol
// it predicts for w, into w's probability: the vocabulary's identifiers
// not among the recent ones share the probability of a new identifier
// (and of the references to recent ones there are not yet), the
// literals share litSym's, and the abstract symbols themselves get none.
func (m *mix) refShare(c *ctxs, w, pred uint32, p float64) float64 {
	switch {
	case m.special(w):
		return 0
	case pred == m.idSym+1: // litSym
		return p / float64(max(m.lits, 1))
	case pred != m.idSym:
		return p
	}
	t := m.tries[ref]
	var scratch [order]uint32
	n := m.newIDs
	for k, r := range c.recent {
		if r == 0 {
			q, _, _ := m.smoothed(t, &c.n[ref], &scratch, m.firstRef+uint32(k), m.firstRef+uint32(k), refPrior, m.uniRef)
			p += q
		} else {
			n--
		}
	}
	if n <= 0 {
		return 0
	}
	return p / float64(n)
}

// refReady sets the reference model's constants in m for a file of the
// language sp; strs are the vocabulary's symbols.
func (e *Engine) refReady(m *mix, sp *spec, strs []string) {
	ids, lits := e.idents.count(sp, strs, e.absFor(sp), e.idSym, e.litSym)
	// The model's outcomes: the vocabulary's symbols (ids 1 to len-1) and
	// an unknown one, but not the identifiers, the literals nor the ten
	// abstract symbols; and a new identifier, nRecent references and a
	// literal.
	m.uniRef = 1 / float64(len(strs)-ids-lits-10+1+nRecent+1)
	m.newIDs, m.lits = ids, lits
}
