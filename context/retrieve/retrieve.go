// Package retrieve gathers the extra context of a prompt: definitions of
// the symbols the code at the cursor uses, windows of similar code in open
// tabs, and recent edits elsewhere. It ranks them into one list of snippets
// under a token budget and a time budget, and keeps the workspace's symbol
// index current in the background.
package retrieve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/context/symbols"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Snippet is one piece of extra context, rendered by the engine under a
// comment naming its path.
type Snippet struct {
	Path  string // relative to its workspace folder when inside one
	Text  string
	Score float64
	Kind  string // "definition", "neighbor" or "edit"
}

// Kinds, in prompt order: the most stable first, so that consecutive
// prompts share their beginning.
const (
	KindDefinition = "definition"
	KindNeighbor   = "neighbor"
	KindEdit       = "edit"
)

var kindOrder = map[string]int{KindDefinition: 0, KindNeighbor: 1, KindEdit: 2}

// Request is one gathering.
type Request struct {
	Snapshot *workspace.Snapshot // the current buffer, with Tree when parsed
	Offset   int                 // cursor byte offset in Snapshot.Text
	Local    [2]int              // byte range of Snapshot.Text already in the prompt
	Budget   int                 // tokens available for snippets
	Deadline time.Time           // a source that is not done by then is skipped
}

// Options are the retriever's settings.
type Options struct {
	Exclude       []string // exclusion globs beyond workspace.DefaultExclude
	MaxFileBytes  int64    // files above this are not indexed (workspace.DefaultMaxFileBytes)
	NoNeighbors   bool     // leave out windows from open tabs
	NoEdits       bool     // leave out recent edits
	NeighborShare float64  // most of the budget neighbour windows may take (0.15)
	EditShare     float64  // most of the budget recent edits may take (0.1)
	// OnError, if set, hears of a file left out of the index because
	// reading its definitions failed (a parser panicked on it).
	OnError func(error)
}

// Retriever holds the workspace, its file and symbol indexes, and the
// settings. Its methods are safe for concurrent use.
type Retriever struct {
	ws    *workspace.Workspace
	files *workspace.FileIndex
	idx   *symbols.Index
	opts  Options

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	pending map[string]bool // files changed, waiting for the updater
	warmed  sync.Map        // folder -> true once its costs are being warmed
	kick    chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

// New returns a retriever over ws. Nothing is indexed until IndexRoots.
func New(ws *workspace.Workspace, opts Options) *Retriever {
	if opts.NeighborShare <= 0 {
		opts.NeighborShare = 0.15
	}
	if opts.EditShare <= 0 {
		opts.EditShare = 0.1
	}
	r := &Retriever{
		ws:      ws,
		files:   workspace.NewFileIndex(workspace.IndexOptions{Exclude: opts.Exclude, MaxFileBytes: opts.MaxFileBytes}),
		idx:     symbols.NewIndex(),
		opts:    opts,
		pending: map[string]bool{},
		kick:    make(chan struct{}, 1),
	}
	r.wg.Add(1)
	go r.updater()
	return r
}

// Index is the symbol index (for tests and the evaluation).
func (r *Retriever) Index() *symbols.Index { return r.idx }

// Files is the file index.
func (r *Retriever) Files() *workspace.FileIndex { return r.files }

// IndexRoots starts indexing the workspace folders in the background,
// cancelling an indexing already running. Gathering never waits for it:
// until it is done, it uses what is indexed so far.
func (r *Retriever) IndexRoots(roots []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.cancel != nil {
		r.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	prev := r.done
	r.cancel, r.done = cancel, done
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(done)
		if prev != nil {
			<-prev
		}
		seen := sync.Map{}
		err := r.files.Build(ctx, roots, func(fi workspace.IndexedFile, src []byte) {
			seen.Store(fi.Path, true)
			r.add(fi, src)
		})
		if err == nil {
			for _, p := range r.idx.Paths() {
				if _, ok := seen.Load(p); !ok {
					r.idx.Remove(p)
				}
			}
		}
	}()
}

// WaitIndexed blocks until the indexing running now, if any, is done.
func (r *Retriever) WaitIndexed() {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (r *Retriever) add(fi workspace.IndexedFile, src []byte) {
	if fi.Language == nil {
		if mod := modulePath(src); mod != "" {
			r.idx.SetModule(mod, filepath.Dir(fi.Path))
		}
		return
	}
	f, err := extract(fi, src)
	if err != nil {
		if r.opts.OnError != nil {
			r.opts.OnError(err)
		}
		return
	}
	r.idx.Update(f)
}

// extract reads a file's definitions. The parsers see every file of the
// workspace, generated and broken ones included; a panic on one file
// leaves that file out rather than ending the server.
func extract(fi workspace.IndexedFile, src []byte) (f *symbols.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: reading its definitions: %v", fi.Path, p)
		}
	}()
	return extractDefs(fi.Language, fi.Path, src, nil), nil
}

// extractDefs is symbols.Extract; tests make it fail.
var extractDefs = symbols.Extract

// modulePath reads the module line of a go.mod.
func modulePath(src []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// FileChanged re-indexes a file after didSave or a watched-file event. It
// returns at once; the work is done in the background, in order.
func (r *Retriever) FileChanged(path string) { r.enqueue(path) }

// FileDeleted drops a deleted file from the indexes.
func (r *Retriever) FileDeleted(path string) { r.enqueue(path) }

func (r *Retriever) enqueue(path string) {
	// At once, not by the updater: the next request must not use the
	// rules of an ignore file that was just changed.
	r.files.IgnoreFileChanged(path)
	r.mu.Lock()
	if !r.closed {
		r.pending[path] = true
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *Retriever) updater() {
	defer r.wg.Done()
	for range r.kick {
		for {
			r.mu.Lock()
			var path string
			for p := range r.pending {
				path = p
				break
			}
			delete(r.pending, path)
			closed := r.closed
			r.mu.Unlock()
			if path == "" || closed {
				break
			}
			r.Update(path)
		}
	}
}

// Update re-reads one file into the indexes now (FileChanged does this in
// the background).
func (r *Retriever) Update(path string) {
	if fi, src, ok := r.files.Update(path); ok {
		r.add(fi, src)
	} else {
		r.idx.Remove(path)
	}
}

// warm computes in the background the token costs of the definitions
// around path, once per folder: the first request in a package pays for
// them, the next ones find them memoised.
func (r *Retriever) warm(path string) {
	if _, done := r.warmed.LoadOrStore(filepath.Dir(path), true); done {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.idx.WarmCosts(path)
	}()
}

// Close stops the background work and waits for it.
func (r *Retriever) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	if r.cancel != nil {
		r.cancel()
	}
	close(r.kick)
	r.mu.Unlock()
	r.wg.Wait()
}

// Excluded reports whether a path matches the exclusion rules: such files
// are never read into a prompt.
func (r *Retriever) Excluded(path string) bool { return r.files.Excluded(path) }

// relPath shortens a path to its workspace folder.
func (r *Retriever) relPath(p string) string {
	for _, root := range r.ws.Roots() {
		if rel, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return p
}

// headerTokens estimates what the engine's path comment costs.
func headerTokens(path string) int { return tokens.Count("// Path: "+path) + 1 }

// sortSnippets puts snippets in their stable order: by kind, then path,
// then where they start.
func sortSnippets(s []Snippet, starts map[*Snippet]int) {
	type keyed struct {
		s     Snippet
		start int
	}
	ks := make([]keyed, len(s))
	for i := range s {
		ks[i] = keyed{s[i], starts[&s[i]]}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if kindOrder[a.s.Kind] != kindOrder[b.s.Kind] {
			return kindOrder[a.s.Kind] < kindOrder[b.s.Kind]
		}
		if a.s.Path != b.s.Path {
			return a.s.Path < b.s.Path
		}
		return a.start < b.start
	})
	for i := range ks {
		s[i] = ks[i].s
	}
}
