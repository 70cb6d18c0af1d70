package local

import (
	"sort"
	"sync"
)

// order is the n-gram order: a token is predicted from up to order-1
// tokens before it. Hellendoorn & Devanbu found 6 best for code.
const order = 6

// node counts one n-gram: the path of tokens from the root to it. It is
// also the context for the tokens that follow that n-gram, so one node
// serves both roles (a forward trie).
type node struct {
	tok      uint32
	count    uint32 // occurrences of this n-gram
	succ     uint32 // total count of the tokens seen after it
	distinct uint32 // children with a non-zero count
	lost     uint32 // count of children pruned away, given to the backoff
	child    uint32 // first child, 0 = none
	next     uint32 // next sibling, 0 = none
}

const (
	chunkBits = 14
	chunkSize = 1 << chunkBits
	rootID    = 1 // node 0 is the "none" sentinel
	nodeBytes = 28
)

// trie holds n-gram counts. Nodes live in fixed-size chunks so that growth
// never copies what exists, and the index is a Go map, whose incremental
// growth keeps every pause short: a reader waiting on a writer waits for
// one short critical section, never for a rehash of the whole table.
//
// A trie is not safe for concurrent writes; Engine serialises them and
// guards readers with its RWMutex. tops has its own lock because readers
// fill it.
type trie struct {
	chunks [][]node
	n      uint32 // nodes in use, including the sentinel
	index  map[uint64]uint32

	topMu sync.Mutex
	tops  map[uint32]topList
}

// topList caches the most frequent children of a node with many children,
// so that candidate generation does not walk long sibling lists.
type topList struct {
	succ uint32 // the node's succ when computed
	ids  []uint32
}

const topK = 12

func newTrie() *trie {
	t := &trie{index: make(map[uint64]uint32), tops: make(map[uint32]topList)}
	t.alloc(0) // sentinel
	t.alloc(0) // root
	return t
}

// reset empties t for reuse, keeping its memory.
func (t *trie) reset() {
	for i := range t.chunks {
		clear(t.chunks[i])
	}
	clear(t.index)
	t.n = 0
	t.alloc(0)
	t.alloc(0)
	t.tops = make(map[uint32]topList)
}

// fileTries recycles the per-request file caches: building one is the
// bulk of a request, and most of that is allocation.
var fileTries = sync.Pool{New: func() any { return newTrie() }}

func (t *trie) at(id uint32) *node {
	return &t.chunks[id>>chunkBits][id&(chunkSize-1)]
}

func (t *trie) alloc(tok uint32) uint32 {
	id := t.n
	if int(id>>chunkBits) == len(t.chunks) {
		t.chunks = append(t.chunks, make([]node, chunkSize))
	}
	t.n++
	t.at(id).tok = tok
	return id
}

func key(parent, tok uint32) uint64 { return uint64(parent)<<32 | uint64(tok) }

// child returns the child of p for tok, or 0.
func (t *trie) child(p, tok uint32) uint32 {
	if p == 0 {
		return 0
	}
	return t.index[key(p, tok)]
}

// bump adds one occurrence of tok after context p and returns the child.
func (t *trie) bump(p, tok uint32) uint32 {
	k := key(p, tok)
	c, ok := t.index[k]
	if !ok {
		c = t.alloc(tok)
		t.index[k] = c
		pn := t.at(p)
		t.at(c).next = pn.child
		pn.child = c
	}
	cn := t.at(c)
	if cn.count == 0 {
		t.at(p).distinct++
	}
	cn.count++
	t.at(p).succ++
	return c
}

// drop removes one occurrence of tok after p, returning the child or 0 if
// it was pruned (then its count comes out of the parent's lost mass).
func (t *trie) drop(p, tok uint32) uint32 {
	pn := t.at(p)
	if pn.succ > 0 {
		pn.succ--
	}
	c := t.index[key(p, tok)]
	if c == 0 || t.at(c).count == 0 {
		if pn.lost > 0 {
			pn.lost--
		}
		return 0
	}
	cn := t.at(c)
	cn.count--
	if cn.count == 0 && pn.distinct > 0 {
		pn.distinct--
	}
	return c
}

// add counts every n-gram of seq that starts at positions [from, to).
func (t *trie) add(seq []uint32, from, to int) {
	for j := from; j < to; j++ {
		p := uint32(rootID)
		for m := j; m < len(seq) && m < j+order; m++ {
			p = t.bump(p, seq[m])
		}
	}
}

// remove undoes add for the same positions.
func (t *trie) remove(seq []uint32, from, to int) {
	for j := from; j < to; j++ {
		p := uint32(rootID)
		for m := j; m < len(seq) && m < j+order; m++ {
			if p = t.drop(p, seq[m]); p == 0 {
				break
			}
		}
	}
}

// top returns up to topK children of p, most frequent first.
func (t *trie) top(p uint32, buf []uint32) []uint32 {
	pn := t.at(p)
	if pn.distinct <= topK {
		for c := pn.child; c != 0; c = t.at(c).next {
			if t.at(c).count > 0 {
				buf = append(buf, t.at(c).tok)
			}
		}
		return buf
	}
	t.topMu.Lock()
	tl, ok := t.tops[p]
	t.topMu.Unlock()
	if !ok || pn.succ > tl.succ+tl.succ/4+8 {
		type kc struct{ tok, count uint32 }
		all := make([]kc, 0, pn.distinct)
		for c := pn.child; c != 0; c = t.at(c).next {
			if cn := t.at(c); cn.count > 0 {
				all = append(all, kc{cn.tok, cn.count})
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].count > all[j].count })
		if len(all) > topK {
			all = all[:topK]
		}
		tl = topList{succ: pn.succ, ids: make([]uint32, len(all))}
		for i, x := range all {
			tl.ids[i] = x.tok
		}
		t.topMu.Lock()
		t.tops[p] = tl
		t.topMu.Unlock()
	}
	return append(buf, tl.ids...)
}

// bytes estimates the memory the trie holds.
func (t *trie) bytes() int64 {
	// A Go swiss-table map of uint64→uint32 costs about 16 bytes a slot at
	// 7/8 load, plus control bytes; 24 per entry is a fair average.
	return int64(len(t.chunks))*chunkSize*nodeBytes + int64(len(t.index))*24 + int64(len(t.tops))*(24+topK*4)
}

// prune returns a copy of t without the n-grams of three or more tokens
// seen at most min times. Their counts move to their parent's lost mass so
// that probabilities still sum to one.
func (t *trie) prune(min uint32) *trie {
	nt := newTrie()
	var walk func(old, nw uint32, depth int)
	walk = func(old, nw uint32, depth int) {
		on := t.at(old)
		for c := on.child; c != 0; c = t.at(c).next {
			cn := t.at(c)
			if cn.count == 0 {
				continue
			}
			if depth+1 >= 3 && cn.count <= min {
				nt.at(nw).lost += cn.count
				continue
			}
			id := nt.alloc(cn.tok)
			nn := nt.at(id)
			// distinct keeps counting pruned children: with lost it is
			// the backoff weight the counts were smoothed with.
			nn.count, nn.succ, nn.distinct, nn.lost = cn.count, cn.succ, cn.distinct, cn.lost
			nn.next = nt.at(nw).child
			nt.at(nw).child = id
			nt.index[key(nw, cn.tok)] = id
			walk(c, id, depth+1)
		}
	}
	r := nt.at(rootID)
	r.succ, r.distinct, r.lost = t.at(rootID).succ, t.at(rootID).distinct, t.at(rootID).lost
	walk(rootID, rootID, 0)
	return nt
}

// extend counts token w after the tokens whose context nodes are in act
// (act[k] ends with the last k tokens; act[0] is the root) and moves act
// past w. Counting a stream token by token this way gives the same counts
// as add over the whole stream.
func (t *trie) extend(act *[order]uint32, w uint32) {
	var next [order]uint32
	next[0] = rootID
	for k := order - 1; k >= 0; k-- {
		if act[k] == 0 {
			continue
		}
		c := t.bump(act[k], w)
		if k+1 < order {
			next[k+1] = c
		}
	}
	*act = next
}
