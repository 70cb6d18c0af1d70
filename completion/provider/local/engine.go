// Package local is the embedded offline completion engine: a nested-cache
// n-gram model over code tokens (Hellendoorn & Devanbu, FSE 2017) that
// learns the user's own workspace and completes the rest of a line by beam
// search. Beside the paper's caches it keeps one for the declaration the
// cursor is in, and reads the current file once more with every
// identifier and literal in the contexts abstracted, which predicts a
// shape the file repeats with other names; a reference model reads the
// workspace as syntax, each name replaced by where it was last used
// (ref.go); and for Go it rules out the tokens the open brackets forbid
// (syntax.go). It needs no network
// and no model files; it is the provider of last resort when no model
// server is configured or reachable.
package local

import (
	"context"
	"encoding/binary"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/inkling-ls/inkling/completion/provider"
)

// Options tunes the engine. The zero value picks the defaults.
type Options struct {
	// MaxBytes caps the memory of the trained model, the copies made
	// while it grows included. Past it, rare n-grams are pruned; when
	// even that cannot make room, new files are skipped. Default
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxFileBytes skips training files larger than this. Default 512 KiB.
	MaxFileBytes int
	// MinConfidence is the probability a line must reach to be offered;
	// below it the engine offers nothing rather than a poor guess.
	MinConfidence float64
	// Beam is the beam width. Default 6.
	Beam int
	// MaxLines caps a multi-line answer. Default 6.
	MaxLines int
}

// DefaultMaxBytes is the model's default memory cap: training a 10 M-token
// workspace under it peaks at about 140 MiB resident for the whole process.
const DefaultMaxBytes = 112 << 20

// DefaultMinConfidence is the line probability below which nothing is
// offered. Chosen on the development splits: the shape model spreads
// probability more thinly and is more often right, and at 0.18 the
// engine offers about as often as it did at 0.2 without it.
const DefaultMinConfidence = 0.18

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 512 << 10
	}
	if o.MinConfidence <= 0 {
		o.MinConfidence = DefaultMinConfidence
	}
	if o.Beam <= 0 {
		o.Beam = 6
	}
	if o.MaxLines <= 0 {
		o.MaxLines = 6
	}
	return o
}

// Engine is the offline provider. All methods are safe for concurrent use;
// training never holds the model lock for long, so a completion request
// waits at most for one short batch.
type Engine struct {
	// opts.MaxBytes changes under both trainMu and mu.
	opts            Options
	vocab           *vocab
	firstNL, lastNL uint32
	// idSym and litSym stand for every identifier and every literal in
	// the shape model's contexts.
	idSym, litSym uint32
	firstRef      uint32 // the reference model's first symbol (ref.go)

	trainMu sync.Mutex // serialises writers; held for a whole Train call

	mu     sync.RWMutex // guards what follows; readers are requests
	global *trie
	// gref is the reference model of the workspace (ref.go).
	gref   *trie
	idents identCounts
	space  *spacing
	files  map[string][]byte // trained symbol ids per path, varint-encoded
	// fileBytes is the memory files holds.
	fileBytes int64
	tokens    int64
	open      *trie
	openSeq   map[string][]uint32
	prunes    int
	// full is set when the model cannot take more within MaxBytes; files
	// not yet trained are then skipped (and counted).
	full    bool
	skipped int
	peak    atomic.Int64 // the most bytesLocked and copies beside it came to
}

// New returns an empty engine.
func New(opts Options) *Engine {
	e := &Engine{
		opts:    opts.withDefaults(),
		vocab:   newVocab(),
		global:  newTrie(),
		gref:    newTrie(),
		space:   newSpacing(),
		files:   make(map[string][]byte),
		open:    newTrie(),
		openSeq: make(map[string][]uint32),
	}
	// Layout symbols get consecutive ids so a range test recognises them.
	var all []string
	for b := range nlSyms {
		all = append(all, nlSyms[b][:]...)
	}
	ids := e.vocab.intern(all, nil)
	e.firstNL, e.lastNL = ids[0], ids[len(ids)-1]
	// No lexer produces a NUL-led symbol.
	abs := e.vocab.intern([]string{"\x00id", "\x00lit"}, nil)
	e.idSym, e.litSym = abs[0], abs[1]
	refs := make([]string, nRecent)
	for k := range refs {
		refs[k] = "\x00ref" + string(rune('0'+k))
	}
	e.firstRef = e.vocab.intern(refs, nil)[0]
	return e
}

// Name implements provider.Provider.
func (e *Engine) Name() string { return "local" }

// Stats describes what the engine has learnt.
type Stats struct {
	Files  int   // files in the workspace model
	Tokens int64 // symbols trained, after comments are dropped
	Vocab  int   // distinct symbols
	Nodes  int   // n-grams held
	Bytes  int64 // estimated memory of the model
	Prunes int   // times the model was pruned to fit MaxBytes
	// Skipped counts the files not trained because the model was full.
	Skipped  int
	MaxBytes int64 // the cap
	// PeakBytes is the most the model held, with the copies made while
	// it grew or was pruned: at most MaxBytes, but for the file during
	// which the model became full.
	PeakBytes int64
}

// Stats reports the model's size.
func (e *Engine) Stats() Stats {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return Stats{
		Files:     len(e.files),
		Tokens:    e.tokens,
		Vocab:     e.vocab.len(),
		Nodes:     e.global.nodes() + e.gref.nodes() + e.open.nodes(),
		Bytes:     e.bytesLocked(),
		Prunes:    e.prunes,
		Skipped:   e.skipped,
		PeakBytes: e.peak.Load(),
		MaxBytes:  e.opts.MaxBytes,
	}
}

func (e *Engine) bytesLocked() int64 {
	b := e.global.bytes() + e.gref.bytes() + e.open.bytes() + e.space.bytes() + e.vocab.bytes() + e.fileBytes
	for _, s := range e.openSeq {
		b += int64(4*len(s) + 48)
	}
	return b
}

// encode returns the symbol ids of text, and the same-line spacing flags.
func (e *Engine) encode(language, path, text string) ([]uint32, []bool) {
	syms, spaced := lexSymbols(language, path, text)
	return e.vocab.intern(syms, make([]uint32, 0, len(syms))), spaced
}

// lexSymbols returns the model symbols of text (substrings of it) and
// their same-line spacing flags.
func lexSymbols(language, path, text string) ([]string, []bool) {
	sp := specFor(language, path)
	lay := newLayout(sp)
	// Growing the token slice token by token was half the cost of lexing.
	buf := lexBufs.Get().(*[]Token)
	defer lexBufs.Put(buf)
	toks := lex(sp, text, (*buf)[:0])
	syms, spaced := symbols(toks, &lay, make([]string, 0, len(toks)), make([]bool, 0, len(toks)))
	clear(toks) // don't pin the text
	*buf = toks
	return syms, spaced
}

var lexBufs = sync.Pool{New: func() any { return new([]Token) }}

// batch is how many positions are counted per write-lock hold: about a
// millisecond of work (0.3–0.7 µs a token), the longest a request can be
// made to wait.
const batch = 2048

// minBatch is the smallest batch counted into a table's remaining room
// before the table is grown.
const minBatch = 256

// Train adds (or replaces) one workspace file in the model.
func (e *Engine) Train(path, language, text string) {
	if len(text) > e.opts.MaxFileBytes {
		return
	}
	syms, spaced := lexSymbols(language, path, text)
	e.trainSymbols(path, syms, spaced)
}

// source is one file to learn.
type source struct{ path, language, text string }

// trainAll trains on files in their order, lexing the next files (and
// mapping their symbols to ids) on a second goroutine while this one
// counts. The vocabulary is filled in file order, so the model is the
// same as from Train one file after another.
func (e *Engine) trainAll(files iter.Seq[source]) {
	type lexed struct {
		path   string
		ids    []uint32
		spaced []bool
		packed []byte
		preds  []uint32
	}
	ch := make(chan lexed, 4)
	stop := make(chan struct{})
	go func() {
		defer close(ch)
		for f := range files {
			if len(f.text) > e.opts.MaxFileBytes {
				continue
			}
			syms, spaced := lexSymbols(f.language, f.path, f.text)
			ids := e.vocab.intern(syms, make([]uint32, 0, len(syms)))
			preds := e.refSeq(ids, e.absFor(specFor("", f.path)))
			select {
			case ch <- lexed{f.path, ids, spaced, packIDs(ids), preds}:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	for l := range ch {
		e.trainIDs(l.path, l.ids, l.spaced, l.packed, l.preds)
	}
}

// trainSymbols adds (or replaces) the file at path, given its symbols.
func (e *Engine) trainSymbols(path string, syms []string, spaced []bool) {
	ids := e.vocab.intern(syms, make([]uint32, 0, len(syms)))
	e.trainIDs(path, ids, spaced, packIDs(ids), e.refSeq(ids, e.absFor(specFor("", path))))
}

// packIDs varint-encodes a file's symbol ids, as Engine.files keeps them.
func packIDs(ids []uint32) []byte {
	buf := make([]byte, 0, len(ids)*2)
	for _, id := range ids {
		buf = binary.AppendUvarint(buf, uint64(id))
	}
	return slices.Clone(buf) // most ids take one or two bytes: don't keep the slack
}

// trainIDs adds (or replaces) the file at path, given its symbol ids,
// their packed form, and the reference model's symbols (refSeq). The
// reference model abstracts by the path's language alone, so that
// forgetting the file undoes exactly what was counted.
func (e *Engine) trainIDs(path string, ids []uint32, spaced []bool, buf []byte, preds []uint32) {
	e.trainMu.Lock()
	defer e.trainMu.Unlock()
	e.mu.RLock()
	_, known := e.files[path]
	e.mu.RUnlock()
	if e.full && !known {
		e.mu.Lock()
		e.skipped++
		e.mu.Unlock()
		return
	}
	e.forgetLocked(path)
	for from, to := 0, 0; from < len(ids); from = to {
		to = min(from+batch, len(ids))
		// Growing a table copies it: count into the room there is while
		// there is much of it, and when a table must grow, make room
		// first if the copy would not fit beside the model.
		if f := min(e.global.free(), e.gref.free()); f < to-from && f >= minBatch {
			to = from + f
		}
		e.mu.RLock()
		tables, limit := e.tablesLocked()
		e.mu.RUnlock()
		need := e.global.growBytes(to-from) + e.gref.growBytes(to-from)
		if tables+need > limit {
			e.pruneLocked()
			need = e.global.growBytes(to-from) + e.gref.growBytes(to-from)
		}
		e.notePeak(need)
		// Only this goroutine changes the model (trainMu), so it can read
		// it unlocked to build bigger levels while requests go on; the
		// write lock covers the swap and the counting.
		g := e.global.grown(to - from)
		gr := e.gref.grown(to - from)
		e.mu.Lock()
		if g != nil {
			e.global.install(g)
		}
		if gr != nil {
			e.gref.install(gr)
		}
		ract := e.gref.resume(preds[max(0, from-order+1):from])
		for _, w := range preds[from:to] {
			e.gref.extend(&ract, w, -1)
			clear(ract[refOrder:])
		}
		act := e.global.resume(ids[max(0, from-order+1):from])
		for i := from; i < to; i++ {
			e.global.extend(&act, ids[i], spacingAt(ids, spaced, i, e.isNL))
		}
		e.observe(ids[max(from, 1)-1:to], spaced[max(from, 1)-1:to])
		e.mu.Unlock()
	}
	e.mu.Lock()
	e.files[path] = buf
	e.fileBytes += int64(len(path) + len(buf) + 48)
	e.tokens += int64(len(ids))
	tables, limit := e.tablesLocked()
	// Retrained and forgotten files leave n-grams counted zero times;
	// when they are a third of the model, rebuild it without them.
	stale := e.global.deadNodes() > 1<<14 && e.global.deadNodes()*3 > e.global.nodes()
	staleRef := e.gref.deadNodes() > 1<<14 && e.gref.deadNodes()*3 > e.gref.nodes()
	e.mu.Unlock()
	switch {
	case tables > limit || (stale || staleRef) && 2*tables > limit:
		// What the model keeps besides its tables grew, or a copy of
		// the tables would not fit: prune to the cap.
		e.pruneLocked()
	case stale || staleRef:
		nt, nr := e.global, e.gref
		if stale {
			nt = nt.prune(0)
		}
		if staleRef {
			nr = nr.prune(0)
		}
		e.notePeak(nt.bytes() + nr.bytes())
		e.mu.Lock()
		e.global, e.gref = nt, nr
		e.mu.Unlock()
	}
}

// Forget removes a file from the workspace model.
func (e *Engine) Forget(path string) {
	e.trainMu.Lock()
	defer e.trainMu.Unlock()
	e.forgetLocked(path)
}

func (e *Engine) forgetLocked(path string) {
	e.mu.RLock()
	buf, ok := e.files[path]
	e.mu.RUnlock()
	if !ok {
		return
	}
	var ids []uint32
	for rest := buf; len(rest) > 0; {
		v, n := binary.Uvarint(rest)
		ids = append(ids, uint32(v))
		rest = rest[n:]
	}
	preds := e.refSeq(ids, e.absFor(specFor("", path)))
	for from := 0; from < len(ids); from += batch {
		to := min(from+batch, len(ids))
		e.mu.Lock()
		act := e.global.resume(ids[max(0, from-order+1):from])
		for _, w := range ids[from:to] {
			e.global.retract(&act, w)
		}
		ract := e.gref.resume(preds[max(0, from-order+1):from])
		for _, w := range preds[from:to] {
			e.gref.retract(&ract, w)
			clear(ract[refOrder:])
		}
		e.mu.Unlock()
	}
	e.mu.Lock()
	delete(e.files, path)
	e.fileBytes -= int64(len(path) + len(buf) + 48)
	e.tokens -= int64(len(ids))
	e.mu.Unlock()
}

// The model must fit MaxBytes at every moment, the copies made while a
// table grows or the model is pruned included: they are the peak a
// process monitor shows. What the model keeps besides its tables (the
// vocabulary, the trained files' ids) takes its share first; the tables
// are kept within tableShare of what is left and pruned to pruneShare of
// it, so that a pruned copy built beside them still fits.
const (
	tableShare = 0.6
	pruneShare = 0.3
)

// tablesLocked returns the bytes of the workspace model's tables and the
// most they may hold. e.mu must be held.
func (e *Engine) tablesLocked() (tables, limit int64) {
	tables = e.global.bytes() + e.gref.bytes()
	rest := e.bytesLocked() - tables
	return tables, int64(tableShare * float64(max(e.opts.MaxBytes-rest, 0)))
}

// SetMaxBytes changes the model's memory cap (0: the default). A model
// over the new cap is pruned to it before SetMaxBytes returns; one that
// was full may take new files again.
func (e *Engine) SetMaxBytes(n int64) {
	if n <= 0 {
		n = DefaultMaxBytes
	}
	e.trainMu.Lock()
	defer e.trainMu.Unlock()
	e.mu.Lock()
	e.opts.MaxBytes = n
	e.full = false
	tables, limit := e.tablesLocked()
	e.mu.Unlock()
	if tables > limit {
		e.pruneLocked()
	}
}

// notePeak records the model's memory with extra bytes of copies held
// beside it, if that is the most yet. Called under trainMu; a read lock
// is enough, requests go on.
func (e *Engine) notePeak(extra int64) {
	e.mu.RLock()
	b := e.bytesLocked() + extra
	e.mu.RUnlock()
	if b > e.peak.Load() {
		e.peak.Store(b) // only training writes it, under trainMu
	}
}

// pruneLocked drops the rarest n-grams, bringing the tables to
// pruneShare of the room the cap leaves them, so that a workspace far
// larger than the cap is pruned now and then rather than after every
// file. The copy is built while requests keep reading the old model;
// only the swap takes the write lock. When even pruning everything it
// may cannot get there, the model is full: training takes no new files.
func (e *Engine) pruneLocked() {
	e.mu.RLock()
	g, r := e.global.bytes(), e.gref.bytes()
	_, limit := e.tablesLocked()
	e.mu.RUnlock()
	// The two workspace models share the budget in proportion.
	budget := int64(float64(limit) * pruneShare / tableShare)
	nt := e.global.prune(e.global.threshold(int64(float64(budget) * float64(g) / float64(g+r))))
	nr := e.gref.prune(e.gref.threshold(int64(float64(budget) * float64(r) / float64(g+r))))
	e.notePeak(nt.bytes() + nr.bytes())
	e.mu.Lock()
	e.global, e.gref = nt, nr
	e.prunes++
	e.full = nt.bytes()+nr.bytes() > budget
	e.mu.Unlock()
}

// SetOpen records the text of an open file for the open-files cache; an
// empty text closes it.
func (e *Engine) SetOpen(path, text string) {
	var ids []uint32
	var spaced []bool
	if text != "" && len(text) <= e.opts.MaxFileBytes {
		ids, spaced = e.encode("", path, text)
	}
	e.trainMu.Lock()
	defer e.trainMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.openSeq[path]; ok {
		act := [order]uint32{rootID}
		for _, w := range old {
			e.open.retract(&act, w)
		}
		delete(e.openSeq, path)
	}
	if len(ids) > 0 {
		e.open.add(ids, spaced, e.isNL)
		e.openSeq[path] = ids
		e.observe(ids, spaced)
	}
	if len(e.openSeq) == 0 && e.open.nodes() > 0 {
		e.open = newTrie() // drop the dead nodes of closed files
	} else if d := e.open.deadNodes(); d > 1<<12 && d*2 > e.open.nodes() {
		e.open = e.open.prune(0)
	}
}

// observe learns the spacing of same-line pairs; e.mu must be held.
func (e *Engine) observe(ids []uint32, spaced []bool) {
	for i := 1; i < len(ids); i++ {
		if !e.isNL(ids[i]) && !e.isNL(ids[i-1]) {
			e.space.observe(ids[i-1], ids[i], spaced[i])
		}
	}
}

// pairSum adds two spacing counts, saturating each half.
func pairSum(a, b uint32) uint32 {
	sp := min(a>>16+b>>16, 0xffff)
	n := min(a&0xffff+b&0xffff, 0xffff)
	return sp<<16 | n
}

func (e *Engine) isNL(id uint32) bool { return id >= e.firstNL && id <= e.lastNL }

// absFor returns the shape model's abstraction for a file of the
// language sp: identifiers (words that are not sp's keywords) map to
// idSym, string and number literals to litSym, every other symbol to
// itself. Symbols interned after the call
// map to themselves.
func (e *Engine) absFor(sp *spec) func(uint32) uint32 {
	e.vocab.mu.RLock()
	strs := e.vocab.strs
	e.vocab.mu.RUnlock()
	return func(w uint32) uint32 {
		if int(w) >= len(strs) || e.isNL(w) {
			return w
		}
		if s := strs[w]; s != "" && isWordByte(s[0]) && !isDigit(s[0]) && !sp.keywords[s] {
			return e.idSym
		} else if s != "" && (isDigit(s[0]) || strings.IndexByte(sp.quotes+sp.multiQuotes+sp.rawQuotes, s[0]) >= 0) {
			return e.litSym
		}
		return w
	}
}

// Complete implements provider.Provider: it offers the most probable rest
// of the line (and, for a block start, the next few lines), or nothing.
func (e *Engine) Complete(ctx context.Context, p provider.Prompt, onText func(string) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text, _ := e.Suggest(p)
	if text != "" {
		onText(text)
	}
	return ctx.Err()
}

// Suggest returns the completion for p and its probability; "" when the
// engine is not confident enough.
func (e *Engine) Suggest(p provider.Prompt) (string, float64) {
	q := e.prepare(p)
	if q == nil {
		return "", 0
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.suggestLocked(q, p.Multiline)
}

// query is a prompt turned into model terms.
type query struct {
	path     string
	language string
	prefix   []uint32
	partial  string // the part of the word before the cursor, if any
	cut      bool   // the prefix was cut: it does not start at the file's start
	gap      bool   // the prefix ends in whitespace
	lay      layout
	fileSeqs [][]uint32      // suffix and snippets, extra file-cache text
	spacing  map[uint64]bool // this file's own spacing of symbol pairs
	banFirst []string        // texts the line may not start with (python.go)
}

// prepare lexes the prompt outside any model lock.
func (e *Engine) prepare(p provider.Prompt) *query {
	sp := specFor(p.Language, p.Path)
	// The file cache keeps only the last maxCache symbols, so lex no more
	// than about that much text, starting at a line.
	prefix := p.Prefix
	if len(prefix) > maxPrefixBytes {
		cut := len(prefix) - maxPrefixBytes
		if i := strings.IndexByte(prefix[cut:], '\n'); i >= 0 {
			cut += i + 1
		}
		prefix = prefix[cut:]
	}
	toks := lex(sp, prefix, make([]Token, 0, len(prefix)/2))
	q := &query{path: p.Path, language: p.Language, cut: len(prefix) < len(p.Prefix)}
	if sp.name == "python" {
		q.banFirst = pyBannedClauses(prefix)
	}
	if n := len(toks); n > 0 {
		last := toks[n-1]
		switch {
		case last.Kind == End:
			q.gap = true
		case last.Open || (last.Kind == Comment && !strings.HasSuffix(last.Text, "*/")):
			return nil // inside a string or comment: not ours to guess
		case last.Kind == Word || last.Kind == Number:
			q.partial = last.Text
			toks = toks[:n-1]
		}
	}
	q.lay = newLayout(sp)
	syms, spaced := symbols(toks, &q.lay, nil, nil)
	q.prefix = e.vocab.intern(syms, nil)
	// The file's own habits win over the workspace's: learn the spacing
	// of the symbol pairs near the cursor.
	q.spacing = make(map[uint64]bool)
	for i := max(1, len(syms)-2000); i < len(syms); i++ {
		if !isNL(syms[i]) && !isNL(syms[i-1]) {
			q.spacing[pairKey(q.prefix[i-1], q.prefix[i])] = spaced[i]
		}
	}
	// The suffix from the next line on is code the user already has.
	if i := strings.IndexByte(p.Suffix, '\n'); i >= 0 {
		ids, _ := e.encode(p.Language, p.Path, p.Suffix[i+1:])
		q.fileSeqs = append(q.fileSeqs, ids)
	}
	for _, s := range p.Context {
		ids, _ := e.encode("", s.Path, s.Text)
		q.fileSeqs = append(q.fileSeqs, ids)
	}
	return q
}

// maxCache bounds the current-file cache to the tokens nearest the cursor.
const maxCache = 4000

// maxPrefixBytes is how much of the prefix is read: comfortably more
// than maxCache symbols of code.
const maxPrefixBytes = 16 << 10

// newMix returns a mix of the given models with the engine's weights
// and symbols; abs is the shape model's abstraction.
func (e *Engine) newMix(tries [nModels]*trie, abs func(uint32) uint32) *mix {
	return &mix{
		tries:    tries,
		weight:   weights,
		uni:      1 / float64(e.vocab.len()), // ids 1..len-1 and one unknown
		firstNL:  e.firstNL,
		lastNL:   e.lastNL,
		abs:      abs,
		idSym:    e.idSym,
		firstRef: e.firstRef,
	}
}

// mixFor builds the models for q; the caller calls m.release when done.
func (e *Engine) mixFor(q *query) (*mix, ctxs) {
	ft := fileTries.Get().(*trie)
	pre := q.prefix
	if len(pre) > maxCache {
		pre = pre[len(pre)-maxCache:]
	}
	ft.add(pre, nil, nil)
	for _, s := range q.fileSeqs {
		ft.add(s, nil, nil)
	}
	abs := e.absFor(specFor(q.language, q.path))
	st := fileTries.Get().(*trie)
	st.addShape(pre, abs)
	for _, s := range q.fileSeqs {
		st.addShape(s, abs)
	}
	// strs is read under the vocabulary's lock: pre's symbols are in it.
	e.vocab.mu.RLock()
	strs := e.vocab.strs
	e.vocab.mu.RUnlock()
	dt := fileTries.Get().(*trie)
	dt.add(pre[declStart(pre, e.isNL, strs):], nil, nil)
	m := e.newMix([nModels]*trie{e.global, e.open, ft, st, dt, e.gref}, abs)
	e.refReady(m, specFor(q.language, q.path), strs)
	// The current file is the file cache's; counted again as an open file
	// it would only echo itself. So the open-files model is used when some
	// other file is open.
	others := false
	for path := range e.openSeq {
		if !samePath(path, q.path) {
			others = true
			break
		}
	}
	if !others {
		m.tries[openFiles] = nil
	}
	c := m.start()
	from := max(0, len(pre)-(order-1))
	for _, w := range pre[from:] {
		_, c = m.prob(&c, w)
	}
	c.recent = recentIn(pre, abs, e.idSym)
	m.strs = strs
	if on, goRules := syntaxRules(q.language, q.path); on {
		e.checkSyntax(m, strs, goRules)
		c.syn = syntaxOf(q.prefix, strs, q.cut)
	}
	return m, c
}

func (e *Engine) suggestLocked(q *query, multiline bool) (string, float64) {
	m, c := e.mixFor(q)
	defer m.release()
	e.vocab.mu.RLock()
	strs := e.vocab.strs
	e.vocab.mu.RUnlock()

	var first []uint32
	if q.partial != "" {
		first = m.matching(&c, q.partial, strs, nil)
		if len(first) == 0 {
			return "", 0
		}
	}
	floor := math.Log(e.opts.MinConfidence)
	m.banFirst = q.banFirst
	syms, logp, ok := m.line(c, first, e.opts.Beam, 64, floor)
	m.banFirst = nil // the lines of a block after it start where it says
	prob := math.Exp(logp)
	// A lone line break finishes the line the cursor is on; it is worth
	// offering only as the start of a block.
	opens := len(syms) > 0 && strings.HasSuffix(strs[syms[len(syms)-1]], "+")
	if !ok || prob < e.opts.MinConfidence || (len(syms) < 2 && !(multiline && opens)) {
		return "", prob
	}
	lines := [][]uint32{syms}
	if multiline && opens {
		depth, _ := nlDelta(strs[syms[len(syms)-1]])
		cur := c
		for _, w := range syms {
			_, cur = m.prob(&cur, w)
		}
		for len(lines) < e.opts.MaxLines && depth > 0 {
			more, lp, ok := m.line(cur, nil, e.opts.Beam, 64, floor)
			if !ok || math.Exp(lp) < e.opts.MinConfidence {
				break
			}
			d, _ := nlDelta(strs[more[len(more)-1]])
			if depth+d < 0 {
				break
			}
			lines = append(lines, more)
			depth += d
			for _, w := range more {
				_, cur = m.prob(&cur, w)
			}
			if depth == 0 {
				// The closing line of the block, if the model is sure of it.
				last, lp, ok := m.line(cur, nil, e.opts.Beam, 8, floor)
				if ok && math.Exp(lp) >= e.opts.MinConfidence && closes(strs[last[0]]) {
					lines = append(lines, last)
				}
				break
			}
		}
	}
	return e.render(q, lines, strs), prob
}

// samePath matches an absolute path with a workspace-relative one.
func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	return a == b || strings.HasSuffix(a, "/"+b)
}

func closes(s string) bool {
	switch s {
	case "}", ")", "]", "end", "fi", "done", "esac":
		return true
	}
	return false
}

// render turns generated symbols back into text, in this file's spacing
// and indentation; the final line break is left out.
func (e *Engine) render(q *query, lines [][]uint32, strs []string) string {
	var b strings.Builder
	lay := q.lay.clone()
	prev := uint32(0)
	if n := len(q.prefix); n > 0 {
		prev = q.prefix[n-1]
	}
	for li, syms := range lines {
		for i, w := range syms {
			s := strs[w]
			if e.isNL(w) {
				if li == len(lines)-1 && i == len(syms)-1 {
					break
				}
				d, blank := nlDelta(s)
				if blank {
					b.WriteByte('\n')
				}
				b.WriteByte('\n')
				b.WriteString(lay.apply(d))
				prev = w
				continue
			}
			if li == 0 && i == 0 && q.partial != "" {
				b.WriteString(strings.TrimPrefix(s, q.partial))
				prev = w
				continue
			}
			if prev != 0 && !e.isNL(prev) && !(li == 0 && i == 0 && q.gap) {
				sp, ok := q.spacing[pairKey(prev, w)]
				if !ok {
					sp = e.space.space(pairSum(e.global.pair(prev, w), e.open.pair(prev, w)), prev, w, strs[prev], s)
				}
				if sp {
					b.WriteByte(' ')
				}
			}
			b.WriteString(s)
			prev = w
		}
	}
	return b.String()
}
