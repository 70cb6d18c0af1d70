// Package workspace owns what Inkling knows of the user's files: the open
// buffers (text, syntax tree, most-recently-used order), a log of recent
// edits, and the conversion between LSP positions and byte offsets.
package workspace

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/treesitter"
)

// ErrUnknownDocument is returned for a URI that was never opened (or closed).
var ErrUnknownDocument = errors.New("document is not open")

// DefaultMaxParseBytes is the size above which a buffer is kept as text but
// not parsed: parsing is linear, and such files are generated or data.
const DefaultMaxParseBytes = 4 << 20

// DefaultMaxTrees is how many buffers keep a syntax tree. A tree takes
// about 35 times its source in C memory (2.3 MB for a 2,000-line Go file),
// and only the buffer being typed in needs one: with 50 tabs open, keeping
// every tree was most of the server's memory. A buffer beyond the limit is
// parsed again, from scratch, if it is completed in before being edited.
const DefaultMaxTrees = 3

// Workspace holds the open buffers. Its methods are safe for concurrent use.
type Workspace struct {
	MaxParseBytes int
	// MaxTrees is how many of the most recently used buffers keep their
	// tree (≤ 0: all of them). Set it before use.
	MaxTrees int

	mu      sync.Mutex
	roots   []string
	buffers map[string]*buffer
	mru     []string // most recent first
	edits   []EditRecord

	lagging   map[*buffer]bool // buffers whose tree lags their text
	reparsing bool             // reparseLoop is running
	wake      chan struct{}    // tells a lingering reparseLoop of new work
	linger    time.Duration    // reparseLinger; tests change it

	onReparseLoop func() // for tests: runs as a reparse loop starts
}

// New returns an empty workspace rooted at the given folders.
func New(roots ...string) *Workspace {
	return &Workspace{MaxParseBytes: DefaultMaxParseBytes, MaxTrees: DefaultMaxTrees, roots: roots, buffers: map[string]*buffer{},
		wake: make(chan struct{}, 1), linger: reparseLinger}
}

// SetRoots replaces the workspace folders.
func (w *Workspace) SetRoots(roots []string) {
	w.mu.Lock()
	w.roots = append([]string(nil), roots...)
	w.mu.Unlock()
}

// Roots are the workspace folders.
func (w *Workspace) Roots() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.roots...)
}

// Open starts tracking a buffer, replacing any earlier one with its URI.
func (w *Workspace) Open(uri, languageID string, version int32, text string) {
	path := PathOf(uri)
	b := &buffer{uri: uri, path: path, languageID: languageID, lang: treesitter.Lookup(languageID, path), version: version}
	b.setText(text)
	w.mu.Lock()
	old := w.buffers[uri]
	w.buffers[uri] = b
	w.touchLocked(uri)
	evicted := w.retainLocked()
	w.mu.Unlock()
	dropTrees(evicted)
	if old != nil {
		old.mu.Lock()
		old.dropTree()
		old.mu.Unlock()
	}
	w.catchUp(b)
}

// Change applies content changes to an open buffer. A version older than the
// buffer's is refused: the edits were sent out of order and applying them
// would corrupt the text.
func (w *Workspace) Change(uri string, version int32, changes []Change, enc Encoding) error {
	w.mu.Lock()
	b := w.buffers[uri]
	var evicted []*buffer
	if b != nil && w.touchLocked(uri) {
		evicted = w.retainLocked()
	}
	w.mu.Unlock()
	if b == nil {
		return fmt.Errorf("%s: %w", uri, ErrUnknownDocument)
	}
	dropTrees(evicted)
	b.mu.Lock()
	if version != 0 && version < b.version {
		cur := b.version
		b.mu.Unlock()
		return fmt.Errorf("%s: change for version %d arrived after version %d; ignored", uri, version, cur)
	}
	b.version = version
	recs, err := b.apply(changes, enc)
	b.mu.Unlock()
	w.catchUp(b)
	w.mu.Lock()
	for _, r := range recs {
		w.logEditLocked(r)
	}
	w.mu.Unlock()
	return err
}

// Close stops tracking a buffer and frees its tree.
func (w *Workspace) Close(uri string) error {
	w.mu.Lock()
	b := w.buffers[uri]
	delete(w.buffers, uri)
	for i, u := range w.mru {
		if u == uri {
			w.mru = append(w.mru[:i], w.mru[i+1:]...)
			break
		}
	}
	w.retainLocked() // a buffer may move up into the kept ones
	w.mu.Unlock()
	if b == nil {
		return fmt.Errorf("%s: %w", uri, ErrUnknownDocument)
	}
	b.mu.Lock()
	b.dropTree()
	b.mu.Unlock()
	return nil
}

// Focus moves a buffer to the front of the recency order.
func (w *Workspace) Focus(uri string) {
	w.mu.Lock()
	var evicted []*buffer
	if w.buffers[uri] != nil && w.touchLocked(uri) {
		evicted = w.retainLocked()
	}
	w.mu.Unlock()
	dropTrees(evicted)
}

// touchLocked moves uri to the front of the recency order and says whether
// the order changed.
func (w *Workspace) touchLocked(uri string) bool {
	if len(w.mru) > 0 && w.mru[0] == uri {
		return false
	}
	for i, u := range w.mru {
		if u == uri {
			copy(w.mru[1:i+1], w.mru[:i])
			w.mru[0] = uri
			return true
		}
	}
	w.mru = append([]string{uri}, w.mru...)
	return true
}

// retainLocked marks the MaxTrees most recently used buffers as the ones
// that keep a tree, and returns those that no longer do.
func (w *Workspace) retainLocked() []*buffer {
	var evicted []*buffer
	for i, u := range w.mru {
		b := w.buffers[u]
		want := w.MaxTrees <= 0 || i < w.MaxTrees
		if b.keep.Swap(want) && !want {
			evicted = append(evicted, b)
		}
	}
	return evicted
}

// dropTrees frees the trees of buffers that are no longer kept.
func dropTrees(bs []*buffer) {
	for _, b := range bs {
		b.mu.Lock()
		if !b.keep.Load() && (b.base != nil || len(b.pending) > 0) {
			b.dropTree()
		}
		b.mu.Unlock()
	}
}

// Snapshot returns an immutable view of a buffer. withTree asks for a copy of
// its syntax tree; the caller must Close the snapshot to free it.
func (w *Workspace) Snapshot(uri string, withTree bool) (*Snapshot, error) {
	w.mu.Lock()
	b := w.buffers[uri]
	w.mu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("%s: %w", uri, ErrUnknownDocument)
	}
	s := &Snapshot{URI: b.uri, Path: b.path, LanguageID: b.languageID, Language: b.lang}
	var st snapState
	if withTree {
		s.Tree, st = b.treeFor("", false, w.MaxParseBytes)
	} else {
		b.mu.Lock()
		st = b.stateLocked()
		b.mu.Unlock()
	}
	s.Version, s.Text, s.lines = st.version, st.text, st.lines
	return s, nil
}

// Tree returns a syntax tree of the buffer's text if that text is still
// text (a snapshot taken earlier), parsing what lags; nil if the buffer has
// changed since, is not parsed (plain text, too large) or is closed. The
// caller owns the tree.
func (w *Workspace) Tree(uri, text string) *treesitter.Tree {
	w.mu.Lock()
	b := w.buffers[uri]
	w.mu.Unlock()
	if b == nil {
		return nil
	}
	t, _ := b.treeFor(text, true, w.MaxParseBytes)
	return t
}

// TreeNow is Tree without the wait: if the buffer's tree lags its text,
// it returns the last parsed tree with the edits since applied to it (right
// positions, structure as of that parse) instead of parsing. For the
// completion path, where a reparse's error recovery in a large file must
// not be added to the answer's latency.
func (w *Workspace) TreeNow(uri, text string) *treesitter.Tree {
	w.mu.Lock()
	b := w.buffers[uri]
	w.mu.Unlock()
	if b == nil {
		return nil
	}
	return b.treeNow(text, w.MaxParseBytes)
}

// LazyTree has a snapshot without a tree get one (as TreeNow) when it is
// first asked for (Snapshot.SyntaxTree). Copying a tree and applying the
// edits made since its parse is about 60 µs on a 10,000-line file, and
// most completions never look at the tree: the shape needs it only on an
// empty line, the retriever only when it gathers for a new region. The
// tree is that of the snapshot's text, so it is nil if the buffer has
// changed since.
func (w *Workspace) LazyTree(s *Snapshot) {
	if s.Tree == nil {
		s.loadTree = func() *treesitter.Tree { return w.TreeNow(s.URI, s.Text) }
	}
}

// catchUp reparses lagging buffers in the background, coalescing bursts
// of edits: by the time a completion asks for the tree, it is usually
// current. One goroutine at most, and none while nothing lags.
//
// A buffer with nothing to parse (plain text, too large, tree current)
// starts nothing: each start of the loop is a new OS thread, and its end
// that thread's exit (see lowerPriority), which cost ~0.1 ms a key for
// such buffers, beside the request the key came with.
func (w *Workspace) catchUp(b *buffer) {
	b.mu.Lock()
	lag := b.keep.Load() && b.dirty(w.MaxParseBytes)
	b.mu.Unlock()
	if !lag {
		return
	}
	w.mu.Lock()
	if w.lagging == nil {
		w.lagging = map[*buffer]bool{}
	}
	w.lagging[b] = true
	start := !w.reparsing
	w.reparsing = true
	w.mu.Unlock()
	if start {
		go w.reparseLoop()
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// reparseLinger is how long the reparse loop waits for more work before
// it ends: keys come closer than this while typing, and each new loop is a
// new thread.
const reparseLinger = 250 * time.Millisecond

func (w *Workspace) reparseLoop() {
	if w.onReparseLoop != nil {
		w.onReparseLoop()
	}
	// What requests leave of the CPU: they use the tree as it is (TreeNow).
	lowerPriority()
	for idle := false; ; {
		w.mu.Lock()
		var b *buffer
		for x := range w.lagging {
			b = x
			delete(w.lagging, x)
			break
		}
		if b == nil {
			if idle { // nothing came while it lingered
				w.reparsing = false
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			select {
			case <-w.wake:
			case <-time.After(w.linger):
				idle = true
			}
			continue
		}
		idle = false
		open := w.buffers[b.uri] == b
		w.mu.Unlock()
		if !open {
			continue
		}
		b.mu.Lock()
		lag := b.keep.Load() && b.dirty(w.MaxParseBytes)
		b.mu.Unlock()
		if lag {
			began := time.Now()
			t, _ := b.treeFor("", false, w.MaxParseBytes)
			t.Close()
			// A slow reparse is error recovery over the rest of a large
			// file (a brace just opened): rest three times as long as it
			// took, so that back-to-back reparses take at most a quarter
			// of a core from requests, which use the tree as it is
			// (TreeNow) rather than wait. At half a core, typing into
			// the middle of a 10,000-line file kept the reparse thread
			// busy 47 % of the time and every hop on the answer's path
			// queued behind it on a 2-core machine.
			if took := time.Since(began); took > slowParse {
				w.rest(b, min(3*took, 3*time.Second))
			}
		}
	}
}

// rest sleeps for d, or until b is closed: a closed buffer needs no
// reparse, and the loop (with its thread) should not outlive it.
func (w *Workspace) rest(b *buffer, d time.Duration) {
	for end := time.Now().Add(d); ; {
		left := time.Until(end)
		if left <= 0 {
			return
		}
		time.Sleep(min(left, 20*time.Millisecond))
		w.mu.Lock()
		open := w.buffers[b.uri] == b
		w.mu.Unlock()
		if !open {
			return
		}
	}
}

// slowParse is a parse long enough to be error recovery, not an edit.
const slowParse = 20 * time.Millisecond

// Buffers returns text-only snapshots of the open buffers, most recently used
// first. They hold no tree and need no Close.
func (w *Workspace) Buffers() []*Snapshot {
	w.mu.Lock()
	bs := make([]*buffer, 0, len(w.mru))
	for _, u := range w.mru {
		bs = append(bs, w.buffers[u])
	}
	w.mu.Unlock()
	out := make([]*Snapshot, 0, len(bs))
	for _, b := range bs {
		b.mu.Lock()
		out = append(out, &Snapshot{URI: b.uri, Path: b.path, LanguageID: b.languageID, Language: b.lang, Version: b.version, Text: b.text, lines: b.lines})
		b.mu.Unlock()
	}
	return out
}

// Snapshot is an immutable view of one buffer at one version.
type Snapshot struct {
	URI        string
	Path       string // file system path ("" for non-file URIs)
	LanguageID string
	Language   *treesitter.Language // nil: plain text
	Version    int32
	Text       string
	Tree       *treesitter.Tree // nil unless asked for and available; see SyntaxTree
	lines      lineIndex
	// loadTree, set by Workspace.LazyTree, gives Tree on first use.
	loadTree func() *treesitter.Tree
}

// SyntaxTree is the snapshot's tree, or nil: for a snapshot made lazy
// (Workspace.LazyTree), the first call gets it. Like the rest of a
// snapshot, it is for one goroutine at a time.
func (s *Snapshot) SyntaxTree() *treesitter.Tree {
	if s.Tree == nil && s.loadTree != nil {
		s.Tree = s.loadTree()
	}
	s.loadTree = nil
	return s.Tree
}

// Close frees the snapshot's tree copy.
func (s *Snapshot) Close() {
	if s != nil {
		s.Tree.Close()
		s.Tree, s.loadTree = nil, nil
	}
}

// Clone returns a snapshot of the same version with its own tree copy, for
// another goroutine that may outlive this snapshot's owner.
func (s *Snapshot) Clone() *Snapshot {
	c := *s
	if t := s.SyntaxTree(); t != nil {
		c.Tree = t.Copy()
	}
	c.loadTree = nil
	return &c
}

// TextOnly returns a copy of the snapshot with no tree, which needs no
// Close.
func (s *Snapshot) TextOnly() *Snapshot {
	c := *s
	c.Tree, c.loadTree = nil, nil
	return &c
}

// Offset converts an LSP position to a byte offset. exact is false when the
// position was past the end of its line or of the document and was clamped.
func (s *Snapshot) Offset(p Position, enc Encoding) (off int, exact bool) {
	return offsetOf(s.Text, s.lines, p, enc)
}

// Position converts a byte offset to an LSP position.
func (s *Snapshot) Position(off int, enc Encoding) Position {
	return positionOf(s.Text, s.lines, off, enc)
}

// LineCount is the number of lines (a trailing newline starts an empty one).
func (s *Snapshot) LineCount() int { return s.lines.len() }

// LineStart is the byte offset of line i's first character.
func (s *Snapshot) LineStart(i int) int { return s.lines.at(i) }

// Units counts text in the given encoding's code units.
func Units(text string, enc Encoding) int { return units(text, enc) }

// PathOf turns a file:// URI into a file system path; other URIs are
// returned as they are, so that they still have a stable name.
func PathOf(uri string) string {
	if !strings.HasPrefix(uri, "file:") {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil || u.Path == "" {
		return strings.TrimPrefix(uri, "file://")
	}
	return filepath.FromSlash(u.Path)
}

// URIOf turns a file system path into a file:// URI.
func URIOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// EditRecord is one recent edit: the lines it touched, before and after.
type EditRecord struct {
	Path   string
	Line   int // first line touched, zero-based
	Before string
	After  string
	At     time.Time
	whole  bool
}

// maxEdits bounds the edit log; older edits matter less to what comes next.
const maxEdits = 32

func editRecord(path, text string, lines lineIndex, s, e int, newText string) EditRecord {
	ls := lines.search(s)
	le := lines.search(e)
	from, to := lines.at(ls), lineEnd(text, lines, le)
	// A copy: a slice of text would keep the whole old version of the
	// document alive as long as the log holds the record.
	before := strings.Clone(text[from:to])
	after := text[from:s] + newText + text[e:to]
	return EditRecord{Path: path, Line: ls, Before: before, After: after, At: time.Now()}
}

// logEditLocked appends an edit, merging it into the last one when it
// continues on the same lines: typing a word is one edit, not one per key.
func (w *Workspace) logEditLocked(r EditRecord) {
	if r.whole {
		return // a full-text sync says nothing about where the user is working
	}
	if n := len(w.edits); n > 0 {
		last := &w.edits[n-1]
		if last.Path == r.Path && last.Line == r.Line && strings.Count(last.After, "\n") == strings.Count(r.Before, "\n") && last.After == r.Before {
			last.After = r.After
			last.At = r.At
			return
		}
	}
	w.edits = append(w.edits, r)
	if len(w.edits) > maxEdits {
		w.edits = append(w.edits[:0], w.edits[len(w.edits)-maxEdits:]...)
	}
}

// RecentEdits returns the edit log, oldest first.
func (w *Workspace) RecentEdits() []EditRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]EditRecord(nil), w.edits...)
}

// WithInsert returns a text-only snapshot of what s would be with text
// inserted at byte offset off: the document after a suggestion is
// accepted, for a speculative request. It holds no tree.
func (s *Snapshot) WithInsert(off int, text string) *Snapshot {
	c := *s
	c.Tree = nil
	c.Text = s.Text[:off] + text + s.Text[off:]
	c.lines = s.lines.splice(c.Text, off, off, len(text))
	return &c
}
