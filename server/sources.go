package server

import (
	"context"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/completion/provider/local"
	"github.com/inkling-ls/inkling/context/retrieve"
	"github.com/inkling-ls/inkling/context/workspace"
)

// contextSources owns what runs in the background for a session: the
// workspace index behind the retriever, and the offline engine's training.
// Requests never wait on either.
type contextSources struct {
	s     *Server
	local *local.Engine

	mu       sync.Mutex
	ret      *retrieve.Retriever
	exclude  []string
	roots    []string
	training context.CancelFunc
	trained  chan struct{} // closed when training ends
	started  bool
	localCap int64 // the offline model's memory cap last asked for

	capMu sync.Mutex // serialises applying localCap

	openMu   sync.Mutex
	openText map[string]string // latest text per open file, waiting for the local engine ("": forget it)
	fed      []string          // the files in the local engine's open-files cache, most recent first
	openKick chan struct{}
	quit     chan struct{} // closed when the session ends: the worker stops
	quitOnce sync.Once
}

func newContextSources(s *Server) *contextSources {
	c := &contextSources{s: s, local: local.New(local.Options{}), openText: map[string]string{}, openKick: make(chan struct{}, 1), quit: make(chan struct{})}
	go c.openWorker()
	return c
}

// setLocalMemory sets the offline model's memory cap, in MiB (0: the
// default). A lower cap prunes the model, which waits for the file being
// trained: that happens off the read loop, and the newest cap wins.
func (c *contextSources) setLocalMemory(mib int) {
	c.mu.Lock()
	c.localCap = int64(mib) << 20
	c.mu.Unlock()
	go func() {
		c.capMu.Lock()
		defer c.capMu.Unlock()
		c.mu.Lock()
		n := c.localCap
		c.mu.Unlock()
		c.local.SetMaxBytes(n)
	}()
}

// maxOpenCacheBytes bounds what the offline engine's open-file cache takes
// from one buffer: beyond it the file is generated or data.
const maxOpenCacheBytes = 1 << 20

// maxOpenCached is how many open files the offline engine's open-files
// cache holds, the most recently opened or saved: as many tabs as neighbour
// windows are taken from. Each costs about half a megabyte of n-gram
// counts for 2,000 lines, and an editor restoring a session opens dozens.
const maxOpenCached = 20

// setOpen hands an open file's text to the offline engine's cache, off the
// read loop: lexing a large file must not delay the next edit.
func (c *contextSources) setOpen(path, text string) {
	if len(text) > maxOpenCacheBytes || c.excluded(path) {
		return
	}
	c.openMu.Lock()
	c.fed = slices.DeleteFunc(c.fed, func(p string) bool { return p == path })
	c.fed = slices.Insert(c.fed, 0, path)
	if len(c.fed) > maxOpenCached {
		for _, p := range c.fed[maxOpenCached:] {
			c.openText[p] = ""
		}
		c.fed = c.fed[:maxOpenCached]
	}
	c.openText[path] = text
	c.openMu.Unlock()
	c.kick()
}

// closeOpen takes a closed file out of the offline engine's cache.
func (c *contextSources) closeOpen(path string) {
	c.openMu.Lock()
	n := len(c.fed)
	c.fed = slices.DeleteFunc(c.fed, func(p string) bool { return p == path })
	if len(c.fed) < n {
		c.openText[path] = ""
	}
	c.openMu.Unlock()
	c.kick()
}

func (c *contextSources) kick() {
	select {
	case c.openKick <- struct{}{}:
	default:
	}
}

func (c *contextSources) openWorker() {
	for {
		select {
		case <-c.quit:
			return
		case <-c.openKick:
		}
		c.openMu.Lock()
		batch := c.openText
		c.openText = map[string]string{}
		c.openMu.Unlock()
		for p, t := range batch {
			c.local.SetOpen(p, t)
		}
	}
}

// start begins indexing the workspace folders.
func (c *contextSources) start(roots []string) {
	c.mu.Lock()
	c.roots = roots
	c.started = true
	if c.ret == nil {
		c.ret = retrieve.New(c.s.ws, c.retrieveOptions())
	}
	ret := c.ret
	c.mu.Unlock()
	c.s.engine.SetRetriever(c)
	ret.IndexRoots(roots)
	if _, ok := c.s.engine.Provider().(*local.Engine); ok {
		c.trainLocal()
	}
}

// retrieveOptions are the retriever's options; c.mu must be held.
func (c *contextSources) retrieveOptions() retrieve.Options {
	return retrieve.Options{Exclude: c.exclude, OnError: func(err error) {
		c.s.log.Warn("a file left out of the index", zap.Error(err))
	}}
}

// setExclude applies the user's exclusion globs (a new retriever, since the
// index must forget what it may no longer show).
func (c *contextSources) setExclude(globs []string) {
	c.mu.Lock()
	same := equalStrings(c.exclude, globs)
	c.exclude = append([]string(nil), globs...)
	old := c.ret
	started := c.started
	if !same && old != nil {
		c.ret = retrieve.New(c.s.ws, c.retrieveOptions())
	}
	ret, roots := c.ret, c.roots
	c.mu.Unlock()
	if !same && old != nil {
		old.Close()
		if started {
			ret.IndexRoots(roots)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// excluded says whether a file must never reach a prompt.
func (c *contextSources) excluded(path string) bool {
	c.mu.Lock()
	ret := c.ret
	exclude := c.exclude
	c.mu.Unlock()
	if ret != nil {
		return ret.Files().Excluded(path)
	}
	return workspace.NewFileIndex(workspace.IndexOptions{Exclude: exclude}).Excluded(path)
}

// Gather implements completion.Retriever over the retriever.
func (c *contextSources) Gather(ctx context.Context, snap *workspace.Snapshot, offset int, localRange [2]int, budget int, deadline time.Time) []provider.Snippet {
	c.mu.Lock()
	ret := c.ret
	c.mu.Unlock()
	if ret == nil {
		return nil
	}
	got := ret.Gather(ctx, retrieve.Request{Snapshot: snap, Offset: offset, Local: localRange, Budget: budget, Deadline: deadline})
	out := make([]provider.Snippet, len(got))
	for i, g := range got {
		out[i] = provider.Snippet{Path: g.Path, Text: g.Text}
	}
	return out
}

// trainLocal trains the offline engine on the workspace folders, once, in
// the background.
func (c *contextSources) trainLocal() {
	c.mu.Lock()
	if c.training != nil || !c.started {
		c.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.training = cancel
	c.trained = make(chan struct{})
	done := c.trained
	roots := c.roots
	c.mu.Unlock()
	go func() {
		defer close(done)
		// Train once the index is built: training's memory limit is
		// what the process holds then plus the model's cap, so the
		// index must be in it (training beside a growing index ran the
		// collector without pause, twice as long), and the two do not
		// compete for the cores.
		c.mu.Lock()
		ret := c.ret
		c.mu.Unlock()
		if ret != nil {
			ret.WaitIndexed()
		}
		start := time.Now()
		total := 0
		for _, r := range roots {
			if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
				continue
			}
			n, err := local.TrainDir(ctx, c.local, r, c.excluded)
			total += n
			if err != nil && ctx.Err() == nil {
				c.s.log.Warn("offline engine training", zap.String("root", r), zap.Error(err))
			}
		}
		st := c.local.Stats()
		c.s.log.Info("offline engine trained", zap.Int("files", total), zap.Int64("tokens", st.Tokens),
			zap.Int64("model-bytes", st.Bytes), zap.Int("prunes", st.Prunes), zap.Duration("took", time.Since(start)))
		if st.Skipped > 0 {
			c.s.log.Warn("offline engine full: files not learnt; inkling.localMemoryMiB raises its memory cap",
				zap.Int("skipped", st.Skipped), zap.Int64("cap-bytes", st.MaxBytes))
		}
		if st.Tokens > bigTraining {
			// Training a large workspace leaves the tables it outgrew
			// and pruned away as garbage (about 40 MiB over a 70 MiB
			// model at 10 M tokens): give it back now, once, rather than
			// hold it until the runtime's scavenger does.
			debug.FreeOSMemory()
		}
	}()
}

// bigTraining is the number of tokens past which training is followed by
// returning freed memory to the system.
const bigTraining = 1_000_000

// waitReady waits for the index and the offline engine's training, for the
// command line, where no editor session gives them time.
func (c *contextSources) waitReady(ctx context.Context) {
	c.mu.Lock()
	ret, trained := c.ret, c.trained
	c.mu.Unlock()
	if ret != nil {
		ret.WaitIndexed()
	}
	if trained != nil {
		select {
		case <-trained:
		case <-ctx.Done():
		}
	}
}

// fileChanged tells the sources a file on disk changed.
func (c *contextSources) fileChanged(path string, deleted bool) {
	c.mu.Lock()
	ret := c.ret
	c.mu.Unlock()
	if ret != nil {
		if deleted {
			ret.FileDeleted(path)
		} else {
			ret.FileChanged(path)
		}
	}
	if deleted {
		c.local.Forget(path)
	}
}

func (c *contextSources) close() {
	c.quitOnce.Do(func() { close(c.quit) })
	c.mu.Lock()
	if c.training != nil {
		c.training()
	}
	ret := c.ret
	c.mu.Unlock()
	if ret != nil {
		ret.Close()
	}
}
