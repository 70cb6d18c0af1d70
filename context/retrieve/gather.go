package retrieve

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/inkling-ls/inkling/context/neighbors"
	"github.com/inkling-ls/inkling/context/symbols"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/treesitter"
)

// maxCandidates bounds how many ranked definitions packing looks at.
const maxCandidates = 600

// maxWindows is how many neighbour windows a prompt may hold.
const maxWindows = 4

// Gather collects, ranks and packs the snippets for one request: at most
// req.Budget tokens (counting the engine's path header of each), in the
// stable order, none repeating the local window. Sources that miss the
// deadline are left out.
func (r *Retriever) Gather(ctx context.Context, req Request) []Snippet {
	snap := req.Snapshot
	if snap == nil || req.Budget <= 0 {
		return nil
	}
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		defer cancel()
	}
	off := min(max(req.Offset, 0), len(snap.Text))
	local := [2]int{min(max(req.Local[0], 0), len(snap.Text)), min(max(req.Local[1], 0), len(snap.Text))}
	if local[1] < local[0] {
		local[1] = local[0]
	}

	type result struct {
		cands []symbols.Candidate
		wins  []neighbors.Window
	}
	// Buffered: a source that finishes after the deadline must not block.
	ch := make(chan result, 2)
	sources := 1
	// The tree is handed over as a copy the source closes itself: a source
	// may still be running after Gather returns and the caller has closed
	// the snapshot.
	var tree *treesitter.Tree
	if t := snap.SyntaxTree(); t != nil {
		tree = t.Copy()
	}
	go func() {
		defer tree.Close()
		q := symbols.Query{Path: snap.Path, LanguageID: snap.LanguageID, Text: snap.Text, Offset: off, Tree: tree, Local: local}
		ch <- result{cands: r.idx.ResolveAppend(candBufs.Get().(*candBuf).c[:0], q, maxCandidates)}
	}()
	if !r.opts.NoNeighbors {
		sources++
		bufs := r.ws.Buffers()
		go func() {
			tabs := make([]neighbors.Tab, 0, len(bufs))
			for _, b := range bufs {
				tabs = append(tabs, neighbors.Tab{URI: b.URI, Path: b.Path, LanguageID: b.LanguageID, Version: b.Version, Text: b.Text})
			}
			// Excluded tabs are dropped from the windows found, not from
			// the tabs searched: a window's text is all that leaves, and
			// checking the few windows instead of every tab spares reading
			// the ignore files of each.
			o := neighbors.Options{MaxTabs: 20, WindowLines: 60, MaxWindows: maxWindows + 2, MaxLines: 4000, Local: snap.Text[local[0]:local[1]]}
			found := neighbors.Find(snap.URI, snap.LanguageID, snap.Text, off, tabs, o)
			kept := found[:0]
			for _, w := range found {
				if len(kept) < maxWindows && !r.files.Excluded(w.Path) {
					kept = append(kept, w)
				}
			}
			ch <- result{wins: kept}
		}()
	}
	var cands []symbols.Candidate
	var wins []neighbors.Window
collect:
	for sources > 0 {
		// Checked first: select picks at random among ready cases, and a
		// source may finish even when the deadline had passed on entry.
		if ctx.Err() != nil {
			break
		}
		select {
		case res := <-ch:
			sources--
			if res.cands != nil {
				cands = res.cands
			}
			if res.wins != nil {
				wins = res.wins
			}
		case <-ctx.Done():
			break collect
		}
	}

	r.warm(snap.Path)

	// Pack by value for the tokens: a one-line constant and a five-line
	// signature of the same score are not worth the same.
	cands = byValue(cands)
	p := newPacker(r, req.Budget)
	// Edits and neighbour windows get a share held back, definitions the
	// rest; then whatever is left goes to definitions again.
	var edits []editItem
	if !r.opts.NoEdits {
		edits = r.recentEdits(snap.Path, snap.Text, local)
	}
	reserve := 0
	if len(edits) > 0 {
		reserve += int(float64(req.Budget) * r.opts.EditShare)
	}
	if len(wins) > 0 {
		reserve += int(float64(req.Budget) * r.opts.NeighborShare)
	}
	p.defs(cands, req.Budget-reserve)
	p.edits(edits, p.used+int(float64(req.Budget)*r.opts.EditShare))
	p.windows(wins, p.used+int(float64(req.Budget)*r.opts.NeighborShare))
	p.defs(cands, req.Budget)
	out := p.snippets()
	if cands != nil {
		// The snippets copy what they show: the candidates can go back.
		clear(cands)
		candBufs.Put(&candBuf{cands[:0]})
	}
	return out
}

// candBuf holds a request's candidates, reused across requests. A buffer
// whose source missed the deadline is left to the collector.
type candBuf struct{ c []symbols.Candidate }

var candBufs = sync.Pool{New: func() any { return &candBuf{make([]symbols.Candidate, 0, maxCandidates)} }}

// packer fills the budget.
type packer struct {
	r      *Retriever
	budget int
	used   int
	groups map[string]*defGroup // definitions by file
	taken  map[*symbols.Def]bool
	other  []Snippet
	starts map[int]int // index in other -> start line
	rels   map[string]string
	heads  map[string]int // headerTokens by path, for the request
}

type defGroup struct {
	path  string
	lines map[int]string // key: 2*line, and 2*line-1 for a doc line shown above line
	score float64
}

func newPacker(r *Retriever, budget int) *packer {
	// Sized for a typical prompt's dozens of definitions in a dozen files:
	// growing them step by step was most of what packing allocated.
	return &packer{r: r, budget: budget, groups: make(map[string]*defGroup, 16), taken: make(map[*symbols.Def]bool, 64),
		starts: map[int]int{}, rels: make(map[string]string, 32), heads: make(map[string]int, 32)}
}

// defs adds ranked definitions while they fit under limit.
func (p *packer) defs(cands []symbols.Candidate, limit int) {
	limit = min(limit, p.budget)
	type line struct {
		key  int
		text string
	}
	var add []line
	for _, c := range cands {
		if limit-p.used < minDefCost {
			return
		}
		d := c.Def
		if p.taken[d] {
			continue
		}
		rel := p.rel(d.File.Path)
		g := p.groups[rel]
		add = add[:0]
		cost := 0
		if g == nil {
			cost += p.header(rel)
		}
		if g == nil || g.lines[2*int(d.Start)] == "" {
			cost += d.Cost()
			i := 0
			for l := range strings.Lines(d.Sig()) {
				add = append(add, line{2 * (int(d.Start) + i), strings.TrimSuffix(l, "\n")})
				i++
			}
		}
		extra := func(key int, text string) {
			if g == nil || g.lines[key] == "" {
				add = append(add, line{key, text})
				cost += tokens.Line(text) + 1
			}
		}
		if c.Direct && d.Doc() != "" {
			extra(2*int(d.Start)-1, leading(d.Sig())+d.Doc())
		}
		if d.Container() != "" {
			for _, ct := range p.r.idx.Named(d.Container()) {
				if ct.File == d.File && ct.Start < d.Start && d.Start <= ct.End {
					extra(2*int(ct.Start), firstLine(ct.Sig()))
					if ct.Closer() != "" {
						extra(2*int(ct.End), ct.Closer())
					}
					break
				}
			}
		}
		if len(add) == 0 || p.used+cost > limit {
			continue // something smaller may still fit
		}
		if g == nil {
			g = &defGroup{path: rel, lines: make(map[int]string, 8)}
			p.groups[rel] = g
		}
		for _, l := range add {
			g.lines[l.key] = l.text
		}
		g.score += c.Score
		p.used += cost
		p.taken[d] = true
	}
}

// minDefCost is about the cheapest a definition can be; below it packing
// stops looking.
const minDefCost = 4

// header is headerTokens, cached for the request: every candidate of a
// file not yet in the prompt asks.
func (p *packer) header(rel string) int {
	if n, ok := p.heads[rel]; ok {
		return n
	}
	n := headerTokens(rel)
	p.heads[rel] = n
	return n
}

// rel is relPath, cached for the request.
func (p *packer) rel(path string) string {
	if r, ok := p.rels[path]; ok {
		return r
	}
	r := p.r.relPath(path)
	p.rels[path] = r
	return r
}

func leading(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t"))] }

// windows adds neighbour windows while they fit under limit, cutting the
// last one to fit.
func (p *packer) windows(ws []neighbors.Window, limit int) {
	limit = min(limit, p.budget)
	for _, w := range ws {
		rel := p.r.relPath(w.Path)
		room := limit - p.used - p.header(rel)
		if room < 40 {
			return
		}
		text, cost := fit(w.Text, room)
		if text == "" {
			continue
		}
		p.starts[len(p.other)] = w.StartLine
		p.other = append(p.other, Snippet{Path: rel, Text: text, Score: w.Score, Kind: KindNeighbor})
		p.used += cost + p.header(rel)
	}
}

// fit keeps the leading lines of text that fit in room tokens.
func fit(text string, room int) (string, int) {
	cost := 0
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		c := tokens.Line(l) + 1
		if cost+c > room {
			return strings.Join(lines[:i], "\n"), cost
		}
		cost += c
	}
	return text, cost
}

func (p *packer) edits(es []editItem, limit int) {
	limit = min(limit, p.budget)
	for _, e := range es {
		rel := p.r.relPath(e.path)
		room := limit - p.used - p.header(rel)
		if room < 10 {
			return
		}
		text, cost := fit(e.text, room)
		if text == "" {
			continue
		}
		p.starts[len(p.other)] = e.line
		p.other = append(p.other, Snippet{Path: rel, Text: text, Score: 1, Kind: KindEdit})
		p.used += cost + p.header(rel)
	}
}

// snippets renders the definition groups and orders everything stably.
func (p *packer) snippets() []Snippet {
	out := make([]Snippet, 0, len(p.groups)+len(p.other))
	starts := map[*Snippet]int{}
	first := map[int]int{}
	for _, g := range p.groups {
		keys := make([]int, 0, len(g.lines))
		for k := range g.lines {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(g.lines[k])
		}
		first[len(out)] = keys[0]
		out = append(out, Snippet{Path: g.path, Text: b.String(), Score: g.score, Kind: KindDefinition})
	}
	for i, s := range p.other {
		first[len(out)] = 2 * p.starts[i]
		out = append(out, s)
	}
	for i := range out {
		starts[&out[i]] = first[i]
	}
	sortSnippets(out, starts)
	return out
}

type editItem struct {
	path string
	line int
	text string
}

// Recent edits: at most this many, each cut to this many lines.
const (
	maxEditSnippets = 3
	maxEditLines    = 10
)

// recentEdits are the newest edits outside the local window, newest first.
func (r *Retriever) recentEdits(path, text string, local [2]int) []editItem {
	localFrom := strings.Count(text[:local[0]], "\n")
	localTo := localFrom + strings.Count(text[local[0]:local[1]], "\n")
	es := r.ws.RecentEdits()
	var out []editItem
	seen := map[string]bool{}
	for i := len(es) - 1; i >= 0 && len(out) < maxEditSnippets; i-- {
		e := es[i]
		if e.Path == path && e.Line >= localFrom-maxEditLines && e.Line <= localTo {
			continue // the local window shows it
		}
		if r.files.Excluded(e.Path) || strings.TrimSpace(e.After) == "" {
			continue
		}
		lines := strings.Split(e.After, "\n")
		if len(lines) > maxEditLines {
			lines = lines[:maxEditLines]
		}
		t := strings.Join(lines, "\n")
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, editItem{path: e.Path, line: e.Line, text: t})
	}
	return out
}

// byValue orders candidates by score for the tokens, stably.
func byValue(cands []symbols.Candidate) []symbols.Candidate {
	bp := keyedBufs.Get().(*[]keyed)
	ks := (*bp)[:0]
	for _, c := range cands {
		ks = append(ks, keyed{c, c.Score / math.Sqrt(float64(c.Def.Cost()))})
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(b.v, a.v) })
	for i := range ks {
		cands[i] = ks[i].c
	}
	clear(ks) // no Def kept alive by the pool
	*bp = ks[:0]
	keyedBufs.Put(bp)
	return cands
}

type keyed struct {
	c symbols.Candidate
	v float64
}

// keyedBufs are byValue's scratch space, reused: hundreds of candidates
// per request.
var keyedBufs = sync.Pool{New: func() any { return new([]keyed) }}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
