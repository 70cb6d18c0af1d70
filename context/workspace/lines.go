package workspace

import "slices"

// lineIndex is where each line of a text starts, kept in blocks of about
// lineBlockSize lines that versions share: an edit makes a new index by
// rebuilding the block or two it touches and copying two small tables,
// never the whole. A flat index copied 80 KB per key on a 10,000-line file
// (800 KB on a 100,000-line one) on the read loop, before the request that
// came with the key could be read.
//
// Blocks are never changed once made; an index is a value, safe to share.
type lineIndex struct {
	blocks []lineBlock
	total  int // lines
}

// lineBlock is a run of line starts: at is where its first line starts,
// rel the starts relative to it (rel[0] == 0), and first its first line's
// number. at and first live here, outside rel, so that a block moved by an
// edit before it shares rel with the index it came from.
type lineBlock struct {
	first, at int
	rel       []int
}

// lineBlockSize is how many lines a block is made with; tests make it small.
var lineBlockSize = 1024

// newLineIndex indexes text.
func newLineIndex(text string) lineIndex {
	return indexOf(lineStarts(text))
}

// indexOf makes an index of the line starts abs (abs[0] == 0).
func indexOf(abs []int) lineIndex {
	return lineIndex{blocks: appendBlocks(nil, abs, 0), total: len(abs)}
}

// appendBlocks cuts abs, the starts of lines first, first+1, ..., into
// blocks of lineBlockSize.
func appendBlocks(bs []lineBlock, abs []int, first int) []lineBlock {
	for len(abs) > 0 {
		n := min(len(abs), lineBlockSize)
		if len(abs)-n < lineBlockSize/2 {
			n = len(abs) // no small block at the end
		}
		rel := make([]int, n)
		for i, a := range abs[:n] {
			rel[i] = a - abs[0]
		}
		bs = append(bs, lineBlock{first: first, at: abs[0], rel: rel})
		abs, first = abs[n:], first+n
	}
	return bs
}

func (x lineIndex) len() int { return x.total }

// block is the index of the block holding line i.
func (x lineIndex) block(i int) int {
	// The last block whose first line is at or before i.
	k, found := slices.BinarySearchFunc(x.blocks, i, func(b lineBlock, i int) int { return b.first - i })
	if !found {
		k--
	}
	return k
}

// at is where line i starts.
func (x lineIndex) at(i int) int {
	b := &x.blocks[x.block(i)]
	return b.at + b.rel[i-b.first]
}

// search is the line that holds byte offset off.
func (x lineIndex) search(off int) int {
	k, found := slices.BinarySearchFunc(x.blocks, off, func(b lineBlock, off int) int { return b.at - off })
	if !found {
		k--
	}
	b := &x.blocks[max(k, 0)]
	return b.first + searchLine(b.rel, off-b.at)
}

// splice returns the index of newText, which is the text x indexed with
// the bytes [s, e) replaced by n bytes. The lines around the edit are
// scanned again (from the line before it: a "\r" ending that line may pair
// with a "\n" the edit inserts) up to the first line start after it, which
// stays a line start, moved by the edit's length change; the blocks those
// lines are in are rebuilt, those after them shared, moved.
func (x lineIndex) splice(newText string, s, e, n int) lineIndex {
	ls, le := x.search(s), x.search(e)
	j := max(ls-1, 0)
	from := x.at(j)
	delta := n - (e - s)
	tail := le+1 >= x.total
	to := len(newText)
	if !tail {
		to = x.at(le+1) + delta
	}
	// The lines of the blocks from j's to (le+1)'s, in new offsets.
	bj := x.block(j)
	bk := len(x.blocks) - 1
	if !tail {
		bk = x.block(le + 1)
	}
	first := x.blocks[bj]
	abs := make([]int, 0, (bk-bj+1)*lineBlockSize+8)
	for _, r := range first.rel[:j-first.first] {
		abs = append(abs, first.at+r)
	}
	for _, st := range lineStarts(newText[from:to]) {
		if tail || st+from < to {
			abs = append(abs, st+from)
		}
	}
	end := x.blocks[bk].first + len(x.blocks[bk].rel) // one past bk's last line
	if !tail {
		last := x.blocks[bk]
		for _, r := range last.rel[le+1-last.first:] {
			abs = append(abs, last.at+r+delta)
		}
	}
	moved := len(abs) - (end - first.first) // lines added
	out := lineIndex{blocks: make([]lineBlock, 0, len(x.blocks)+2), total: x.total + moved}
	out.blocks = append(out.blocks, x.blocks[:bj]...)
	out.blocks = appendBlocks(out.blocks, abs, first.first)
	for _, b := range x.blocks[bk+1:] {
		b.first += moved
		b.at += delta
		out.blocks = append(out.blocks, b)
	}
	return out
}
