package local

import (
	"math/bits"
	"sort"
	"sync"
	"unsafe"
)

// order is the n-gram order: a token is predicted from up to order-1
// tokens before it. Hellendoorn & Devanbu found 6 best for code.
const order = 6

// A trie counts n-grams of 1 to order tokens. It is a forward trie (each
// n-gram is also the context of the tokens that follow it) stored as one
// open-addressing hash table per n-gram length, with the counts in flat
// arrays of plain records: nothing for the garbage collector to scan, 32
// bytes an n-gram (16 on the last level), and about one cache miss to
// count a token at a level.
//
// An entry's key is the token in the low 24 bits and, above it, the top
// 40 bits of its context's hash; the entry's own hash is scramble(key).
// The key is thus stable (no slot index in it), so a level can be
// resized or rebuilt without touching the levels below it. Two contexts
// of one length share a fingerprint with odds of about n²/2⁴¹ — a
// handful of the millions of contexts of a huge workspace — and then a
// shared continuation's counts merge: a small error for a statistical
// model, and the price of not storing a context's id beside every entry.
//
// A node is named by its level k (its length; 0 is the root) and its
// slot+1 in that level; 0 means none. Slots move when a level is resized,
// which happens only between batches, under the engine's write lock.
// The continuations of a context form a list linked by token.
//
// A trie is not safe for concurrent writes; Engine serialises them and
// guards readers with its RWMutex. tops has its own lock because readers
// fill it.
type trie struct {
	root ctxStats
	lv   [order + 1]level // lv[0] is unused

	topMu sync.Mutex
	tops  map[uint64]topList // by level<<32 | node
}

// level holds the n-grams of one length: entries on the levels that are
// contexts, bare slots on the last.
type level struct {
	ents  []entry
	leafs []slot
	n     int // slots in use
	dead  int // slots in use whose count is 0
}

type slot struct {
	key   uint64 // context fingerprint | token; 0 = empty
	count uint32
	next  uint32 // token of the next sibling with the same context; 0 = none
}

// entry is an n-gram that is also a context. Counting a token touches
// its slot, and one token later its context statistics: one cache line.
type entry struct {
	slot
	ctxStats
}

// ctxStats describes a context: the summed counts of the continuations
// it holds, the weight its Witten-Bell backoff gets (distinct
// continuations plus the counts of those pruned away), and the token of
// its first continuation. Links name tokens, not slots, so that resizing
// a level moves nothing but that level. space is only used on level 2, where it counts how often
// the two tokens were written with a space between them
// (spaced<<16 | unspaced, each saturating).
type ctxStats struct {
	seen, bo, child, space uint32
}

const (
	rootID   = 1 // the root's node at level 0
	tokBits  = 24
	tokMask  = 1<<tokBits - 1
	maxToken = tokMask // ids past this are folded into it
	rootHash = 0x9e3779b97f4a7c15
	minSlots = 16
)

// scramble is the 64-bit finaliser of MurmurHash3: keys that differ in
// one bit land far apart.
func scramble(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func childKey(h uint64, tok uint32) uint64 { return h&^tokMask | uint64(tok) }

// home maps a key to its first slot among n without a modulo.
func home(key uint64, n int) int {
	hi, _ := bits.Mul64(scramble(key), uint64(n))
	return int(hi)
}

// newLevel returns an empty level of k-grams with the given number of
// slots. Its pages are mapped at once (prefault): growing the main
// model's tables was a third of training, most of it page faults.
func newLevel(k, slots int) level {
	if k < order {
		ents := make([]entry, slots)
		prefault(bytesOf(ents))
		return level{ents: ents}
	}
	leafs := make([]slot, slots)
	prefault(bytesOf(leafs))
	return level{leafs: leafs}
}

// prefaultMin is the smallest table that prefault maps in bulk: smaller
// ones are a small part of the faults, and the per-request file caches
// (a few thousand tokens) stay below it.
const prefaultMin = 1 << 20

// bytesOf is the memory of s, for prefault.
func bytesOf[T slot | entry](s []T) []byte {
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

func (l *level) size() int {
	if l.ents != nil {
		return len(l.ents)
	}
	return len(l.leafs)
}

func (l *level) at(i int) *slot {
	if l.ents != nil {
		return &l.ents[i].slot
	}
	return &l.leafs[i]
}

// find returns key's slot, or the empty slot where it would go.
func (l *level) find(key uint64) (int, bool) {
	return l.findFrom(home(key, l.size()), key)
}

func (l *level) findFrom(i int, key uint64) (int, bool) {
	if e := l.ents; e != nil {
		for {
			switch e[i].key {
			case key:
				return i, true
			case 0:
				return i, false
			}
			if i++; i == len(e) {
				i = 0
			}
		}
	}
	s := l.leafs
	for {
		switch s[i].key {
		case key:
			return i, true
		case 0:
			return i, false
		}
		if i++; i == len(s) {
			i = 0
		}
	}
}

// free is how many entries l takes before it is loaded past 3/4.
func (l *level) free() int { return max(l.size()*3-l.n*4, 0) / 4 }

// free is how many entries every level of t takes before one must grow.
func (t *trie) free() int {
	f := t.lv[1].free()
	for k := 2; k <= order; k++ {
		f = min(f, t.lv[k].free())
	}
	return f
}

// full reports whether adding extra entries would load l past 3/4.
func (l *level) full(extra int) bool { return (l.n+extra)*4 > l.size()*3 }

func (l *level) bytes() int64 { return int64(len(l.ents))*32 + int64(len(l.leafs))*16 }

// slotBytes is the size of a slot of level k: an entry, or a bare slot on
// the last level.
func slotBytes(k int) int64 {
	if k < order {
		return 32
	}
	return 16
}

// prunedSlots is the size of a level that prune fills with live entries:
// half full, so that training goes on a while before it must grow.
func prunedSlots(live int) int { return max(minSlots, live*2) }

func newTrie() *trie {
	t := &trie{tops: make(map[uint64]topList)}
	for k := 1; k <= order; k++ {
		t.lv[k] = newLevel(k, minSlots)
	}
	return t
}

// reset empties t for reuse, keeping its memory.
func (t *trie) reset() {
	t.root = ctxStats{}
	for k := 1; k <= order; k++ {
		l := &t.lv[k]
		clear(l.ents)
		clear(l.leafs)
		l.n, l.dead = 0, 0
	}
	clear(t.tops)
}

// fileTries recycles the per-request file caches: building one is the
// bulk of a request, and most of that is allocation.
var fileTries = sync.Pool{New: func() any { return newTrie() }}

// stats returns the context statistics of node n at level k < order.
func (t *trie) stats(k int, n uint32) *ctxStats {
	if k == 0 {
		return &t.root
	}
	return &t.lv[k].ents[n-1].ctxStats
}

func (t *trie) hash(k int, n uint32) uint64 {
	if k == 0 {
		return rootHash
	}
	return scramble(t.lv[k].ents[n-1].key)
}

func (t *trie) count(k int, n uint32) uint32 { return t.lv[k].at(int(n - 1)).count }

// child returns the node for tok after node p at level k, or 0.
func (t *trie) child(k int, p, tok uint32) uint32 {
	if p == 0 {
		return 0
	}
	if i, ok := t.lv[k+1].find(childKey(t.hash(k, p), tok)); ok {
		return uint32(i + 1)
	}
	return 0
}

// bumpAt adds one occurrence of the token in key after node p at level
// k, given the child's slot i (or the empty slot where it goes), and
// returns the child. The child's level must have room (see grown).
func (t *trie) bumpAt(k int, p uint32, i int, key uint64) uint32 {
	ps := t.stats(k, p)
	l := &t.lv[k+1]
	s := l.at(i)
	if s.key == 0 {
		s.key = key
		s.next = ps.child
		ps.child = uint32(key & tokMask)
		l.n++
		l.dead++
	}
	if s.count == 0 {
		ps.bo++
		l.dead--
	}
	s.count++
	ps.seen++
	return uint32(i + 1)
}

// drop removes one occurrence of tok after p, returning the child or 0 if
// it was pruned (then its count comes out of the backoff weight, which
// holds the pruned mass).
func (t *trie) drop(k int, p, tok uint32) uint32 {
	ps := t.stats(k, p)
	c := t.child(k, p, tok)
	if c == 0 || t.count(k+1, c) == 0 {
		if ps.bo > 0 {
			ps.bo--
		}
		return 0
	}
	if ps.seen > 0 {
		ps.seen--
	}
	s := t.lv[k+1].at(int(c - 1))
	if s.count--; s.count == 0 {
		t.lv[k+1].dead++
		if ps.bo > 0 {
			ps.bo--
		}
	}
	return c
}

// extend counts token w after the contexts in act (act[k] is the node of
// the last k tokens; act[0] the root) and moves act past w. Counting a
// stream token by token gives every n-gram in it once. Spacing, if not
// negative, is whether w had a space before it on the same line as the
// token before; it is recorded on the two-token n-gram.
//
// The levels' slots are looked up first, each independent of the others,
// so that the processor waits for the cache misses of all levels at once
// rather than one after another.
func (t *trie) extend(act *[order]uint32, w uint32, spacing int) {
	var keys [order]uint64
	var at [order]int
	var first [order]uint64
	for k := 0; k < order; k++ {
		if act[k] == 0 {
			continue
		}
		keys[k] = childKey(t.hash(k, act[k]), w)
		l := &t.lv[k+1]
		at[k] = home(keys[k], l.size())
		first[k] = l.at(at[k]).key
	}
	var next [order]uint32
	next[0] = rootID
	for k := 0; k < order; k++ {
		if act[k] == 0 {
			continue
		}
		i := at[k]
		if first[k] != keys[k] && first[k] != 0 {
			i, _ = t.lv[k+1].findFrom(i, keys[k])
		}
		c := t.bumpAt(k, act[k], i, keys[k])
		if k == 1 && spacing >= 0 {
			sp := &t.lv[2].ents[c-1].space
			*sp = incr(*sp, spacing == 1)
		}
		if k+1 < order {
			next[k+1] = c
		}
	}
	*act = next
}

// retract undoes extend.
func (t *trie) retract(act *[order]uint32, w uint32) {
	var next [order]uint32
	next[0] = rootID
	for k := 0; k < order; k++ {
		if act[k] == 0 {
			continue
		}
		if c := t.drop(k, act[k], w); k+1 < order {
			next[k+1] = c
		}
	}
	*act = next
}

// resume returns the contexts after hist, the tokens before a position.
func (t *trie) resume(hist []uint32) [order]uint32 {
	var act [order]uint32
	act[0] = rootID
	for k := 1; k < order && k <= len(hist); k++ {
		n := uint32(rootID)
		for j, w := range hist[len(hist)-k:] {
			if n = t.child(j, n, w); n == 0 {
				break
			}
		}
		act[k] = n
	}
	return act
}

// add counts every n-gram of seq, growing t as needed; for tries that
// only one goroutine uses. spaced, if not nil, gives the spacing of each
// symbol as symbols reports it; pairs across a line break are not
// recorded.
func (t *trie) add(seq []uint32, spaced []bool, isNL func(uint32) bool) {
	const step = 1024
	var act [order]uint32
	for from := 0; from < len(seq); from += step {
		to := min(from+step, len(seq))
		act = t.room(to-from, seq[max(0, from-order+1):from], act)
		for i := from; i < to; i++ {
			t.extend(&act, seq[i], spacingAt(seq, spaced, i, isNL))
		}
	}
}

// spacingAt is the spacing argument of extend for seq[i].
func spacingAt(seq []uint32, spaced []bool, i int, isNL func(uint32) bool) int {
	if spaced == nil || i == 0 || isNL(seq[i]) || isNL(seq[i-1]) {
		return -1
	}
	if spaced[i] {
		return 1
	}
	return 0
}

// room grows t, if needed, to take extra more entries at every level, and
// returns act, or act rebuilt from hist if the nodes moved.
func (t *trie) room(extra int, hist []uint32, act [order]uint32) [order]uint32 {
	if act[0] == 0 {
		act = t.resume(hist)
	}
	if g := t.grown(extra); g != nil {
		t.install(g)
		act = t.resume(hist)
	}
	return act
}

// growth is a resized copy of some of t's levels, built while readers
// still use t.
type growth struct {
	lv [order + 1]level
}

// grownSlots is the size level l must grow to so that it can take extra
// more entries, or 0 if it can already.
func grownSlots(l *level, extra int) int {
	if !l.full(extra) {
		return 0
	}
	slots := max(minSlots, l.size()*2)
	if l.size() >= 1<<20 {
		slots = l.size() * 3 / 2
	}
	for (l.n+extra)*4 > slots*3 {
		slots *= 2
	}
	return slots
}

// growBytes is what grown(extra) would allocate. Until it is installed
// and the old levels are collected, t holds that much more.
func (t *trie) growBytes(extra int) int64 {
	var b int64
	for k := 1; k <= order; k++ {
		b += int64(grownSlots(&t.lv[k], extra)) * slotBytes(k)
	}
	return b
}

// grown returns t's levels resized so that each can take extra more
// entries, or nil if they already can. It reads t but does not change it.
func (t *trie) grown(extra int) *growth {
	var g *growth
	for k := 1; k <= order; k++ {
		old := &t.lv[k]
		slots := grownSlots(old, extra)
		if slots == 0 {
			continue
		}
		if g == nil {
			g = &growth{lv: t.lv}
		}
		nl := newLevel(k, slots)
		for i := range old.size() {
			key := old.at(i).key
			if key == 0 {
				continue
			}
			j, _ := nl.find(key)
			if nl.ents != nil {
				nl.ents[j] = old.ents[i]
			} else {
				nl.leafs[j] = old.leafs[i]
			}
		}
		nl.n, nl.dead = old.n, old.dead
		g.lv[k] = nl
	}
	return g
}

// install makes g t's levels; node ids from before are invalid after.
func (t *trie) install(g *growth) {
	t.lv = g.lv
	clear(t.tops)
}

// topList caches the most frequent children of a node with many children,
// so that candidate generation does not walk long sibling lists.
type topList struct {
	seen uint32 // the node's seen when computed
	ids  []uint32
}

const topK = 12

// top appends up to topK continuations of node p at level k, most
// frequent first.
func (t *trie) top(k int, p uint32, buf []uint32) []uint32 {
	ps := t.stats(k, p)
	if ps.bo <= topK {
		t.children(k, p, func(tok, count uint32) {
			if count > 0 {
				buf = append(buf, tok)
			}
		})
		return buf
	}
	id := uint64(k)<<32 | uint64(p)
	t.topMu.Lock()
	tl, ok := t.tops[id]
	t.topMu.Unlock()
	if !ok || ps.seen > tl.seen+tl.seen/4+8 {
		type kc struct{ tok, count uint32 }
		all := make([]kc, 0, min(ps.bo, 1024))
		t.children(k, p, func(tok, count uint32) {
			if count > 0 {
				all = append(all, kc{tok, count})
			}
		})
		sort.Slice(all, func(i, j int) bool { return all[i].count > all[j].count })
		if len(all) > topK {
			all = all[:topK]
		}
		tl = topList{seen: ps.seen, ids: make([]uint32, len(all))}
		for i, x := range all {
			tl.ids[i] = x.tok
		}
		t.topMu.Lock()
		t.tops[id] = tl
		t.topMu.Unlock()
	}
	return append(buf, tl.ids...)
}

// children calls f for each continuation of node p at level k.
func (t *trie) children(k int, p uint32, f func(tok, count uint32)) {
	h := t.hash(k, p)
	l := &t.lv[k+1]
	for tok := t.stats(k, p).child; tok != 0; {
		i, ok := l.find(childKey(h, tok))
		if !ok {
			return // a fingerprint collision took this entry over
		}
		s := l.at(i)
		f(tok, s.count)
		tok = s.next
	}
}

// nodes is the number of n-grams held.
func (t *trie) nodes() int {
	n := 0
	for k := 1; k <= order; k++ {
		n += t.lv[k].n
	}
	return n
}

// deadNodes is the number of n-grams held whose count fell to zero.
func (t *trie) deadNodes() int {
	n := 0
	for k := 1; k <= order; k++ {
		n += t.lv[k].dead
	}
	return n
}

// bytes is the memory t holds.
func (t *trie) bytes() int64 {
	b := int64(len(t.tops)) * (48 + topK*4)
	for k := 1; k <= order; k++ {
		b += t.lv[k].bytes()
	}
	return b
}

// prune returns a copy of t without the n-grams of two or more tokens
// seen at most min times, nor any whose count fell to 0. The counts of
// the n-grams it drops move to their context's backoff weight, so that
// probabilities still sum to one. Because an n-gram is never seen more
// often than its context, what it keeps is closed under taking contexts.
func (t *trie) prune(min uint32) *trie {
	keep := func(k int, c uint32) bool {
		return c > 0 && (k < 2 || c > min)
	}
	nt := &trie{root: t.root, tops: make(map[uint64]topList)}
	for k := 1; k <= order; k++ {
		old := &t.lv[k]
		live := 0
		for i := range old.size() {
			if s := old.at(i); s.key != 0 && keep(k, s.count) {
				live++
			}
		}
		nl := newLevel(k, prunedSlots(live))
		// Walk each surviving context's continuations (the new level
		// above holds copies of the old contexts' lists), so that the new
		// lists hold only survivors.
		relink := func(h uint64, ps *ctxStats) {
			tok := ps.child
			ps.child = 0
			for tok != 0 {
				i, ok := old.find(childKey(h, tok))
				if !ok {
					return
				}
				s := old.at(i)
				if !keep(k, s.count) {
					ps.bo += s.count // the pruned mass goes to the backoff
					ps.seen -= s.count
					tok = s.next
					continue
				}
				j, _ := nl.find(s.key)
				if nl.ents != nil {
					nl.ents[j] = old.ents[i]
				} else {
					nl.leafs[j] = old.leafs[i]
				}
				nl.at(j).next = ps.child
				ps.child = tok
				nl.n++
				tok = s.next
			}
		}
		if k == 1 {
			relink(rootHash, &nt.root)
		} else {
			up := &nt.lv[k-1]
			for j := range up.ents {
				if e := &up.ents[j]; e.key != 0 {
					relink(scramble(e.key), &e.ctxStats)
				}
			}
		}
		nt.lv[k] = nl
	}
	return nt
}

// threshold returns the smallest min for which prune(min) leaves t within
// target bytes, from one pass over the counts.
func (t *trie) threshold(target int64) uint32 {
	const buckets = 256
	var hist [order + 1][buckets]int64
	for k := 1; k <= order; k++ {
		l := &t.lv[k]
		for i := range l.size() {
			if s := l.at(i); s.key != 0 && s.count > 0 {
				hist[k][min(s.count, buckets-1)]++
			}
		}
	}
	var live [order + 1]int64 // n-grams counted more than m times
	for k := 1; k <= order; k++ {
		for c := 1; c < buckets; c++ {
			live[k] += hist[k][c]
		}
	}
	for m := 0; m < buckets-1; m++ {
		var b int64
		for k := 1; k <= order; k++ {
			if k >= 2 && m > 0 {
				live[k] -= hist[k][m]
			}
			b += int64(prunedSlots(int(live[k]))) * slotBytes(k)
		}
		if b <= target {
			return uint32(m)
		}
	}
	return 1<<32 - 1
}

// pair returns the spacing counts of the symbol pair a b, 0 if unseen.
func (t *trie) pair(a, b uint32) uint32 {
	n := t.child(0, rootID, a)
	if n == 0 {
		return 0
	}
	if n = t.child(1, n, b); n == 0 {
		return 0
	}
	return t.lv[2].ents[n-1].space
}

// extendShape is extend for the shape model: it counts w after the
// contexts in act but moves act past step, w's abstraction, so that
// contexts are abstract and predictions concrete. The context node of
// an abstract step is created uncounted: it is not a continuation.
func (t *trie) extendShape(act *[order]uint32, w, step uint32) {
	if step == w {
		t.extend(act, w, -1)
		return
	}
	var next [order]uint32
	next[0] = rootID
	for k := 0; k < order; k++ {
		p := act[k]
		if p == 0 {
			continue
		}
		h := t.hash(k, p)
		key := childKey(h, w)
		i, _ := t.lv[k+1].find(key)
		t.bumpAt(k, p, i, key)
		if k+1 < order {
			next[k+1] = t.node(k, p, childKey(h, step))
		}
	}
	*act = next
}

// node returns the child of p at level k with the given key, adding it
// uncounted if it is missing. The child's level must have room.
func (t *trie) node(k int, p uint32, key uint64) uint32 {
	l := &t.lv[k+1]
	i, ok := l.find(key)
	if !ok {
		ps := t.stats(k, p)
		s := l.at(i)
		s.key = key
		s.next = ps.child
		ps.child = uint32(key & tokMask)
		l.n++
		l.dead++
	}
	return uint32(i + 1)
}

// addShape counts seq into a shape model, abs giving each symbol's
// abstraction; for tries that only one goroutine uses.
func (t *trie) addShape(seq []uint32, abs func(uint32) uint32) {
	const step = 1024
	steps := make([]uint32, len(seq))
	for i, w := range seq {
		steps[i] = abs(w)
	}
	var act [order]uint32
	for from := 0; from < len(seq); from += step {
		to := min(from+step, len(seq))
		act = t.room(2*(to-from), steps[max(0, from-order+1):from], act)
		for i := from; i < to; i++ {
			t.extendShape(&act, seq[i], steps[i])
		}
	}
}
