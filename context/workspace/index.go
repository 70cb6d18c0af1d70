package workspace

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/boyter/gocodewalker"
	gitignore "github.com/boyter/gocodewalker/go-gitignore"

	"github.com/inkling-ls/inkling/treesitter"
)

// DefaultExclude are the files never indexed nor read into a prompt:
// secrets, and the version control's own folder. A pattern without a slash
// matches a file or folder name anywhere; one ending in a slash matches a
// folder; any other is matched against the path from the workspace root.
var DefaultExclude = []string{".env*", "*.pem", "*.key", "id_rsa*", "*.p12", ".netrc", ".git/", "node_modules/"}

// IgnoreFile is the workspace's own ignore file, in .gitignore syntax.
const IgnoreFile = ".inklingignore"

// DefaultMaxFileBytes is the size above which a file is not indexed: such
// files are data or generated, and parsing them costs more than they give.
const DefaultMaxFileBytes = 1 << 20

// IndexOptions are the settings of a file index.
type IndexOptions struct {
	Exclude      []string // more patterns, added to DefaultExclude
	MaxFileBytes int64    // 0: DefaultMaxFileBytes
}

// IndexedFile is one file of the index. Language is nil for the manifests
// the index also tracks (go.mod), which other indexes need to resolve
// imports.
type IndexedFile struct {
	Path     string
	Size     int64
	ModTime  time.Time
	Language *treesitter.Language
}

// FileIndex is the list of workspace files worth indexing: source files in
// a language Inkling parses, not ignored by .gitignore, .ignore or
// .inklingignore, not excluded, not too big, not generated. Its methods are
// safe for concurrent use; a walk in progress never blocks them.
type FileIndex struct {
	exclude []string
	maxSize int64

	mu    sync.Mutex
	roots []string
	files map[string]IndexedFile

	// rules caches the parsed ignore files Excluded reads, by path; nil
	// for a folder without one. Excluded is asked for every tab and every
	// edit of every request, and reading and parsing the ignore file of
	// each folder up to the root each time was most of its cost. The
	// entry of a file is dropped when the file is saved, created or
	// deleted (Update, Remove, IgnoreFileChanged) and all of them on Build.
	rulesMu sync.Mutex
	rules   map[string]gitignore.GitIgnore
	// verdicts remembers Excluded's answers until the rules or roots
	// change (gen counts the changes): it is asked on the read loop at
	// every completion request, and matching the patterns and the
	// folders' ignore files took 10-70 µs a time.
	verdicts map[string]bool
	gen      int
}

// maxVerdicts bounds the remembered verdicts: one per open file is the
// usual need.
const maxVerdicts = 4096

// NewFileIndex returns an empty index.
func NewFileIndex(opts IndexOptions) *FileIndex {
	x := &FileIndex{
		exclude: append(append([]string(nil), DefaultExclude...), opts.Exclude...),
		maxSize: opts.MaxFileBytes,
		files:   map[string]IndexedFile{},
	}
	if x.maxSize <= 0 {
		x.maxSize = DefaultMaxFileBytes
	}
	return x
}

// Excluded reports whether a path matches the exclusion patterns. Such a
// file is never read into a prompt, and a buffer that matches gets no
// completion at all.
func (x *FileIndex) Excluded(path string) bool {
	x.rulesMu.Lock()
	v, ok := x.verdicts[path]
	gen := x.gen
	x.rulesMu.Unlock()
	if ok {
		return v
	}
	v = x.excluded(path)
	x.rulesMu.Lock()
	if x.gen == gen {
		if x.verdicts == nil || len(x.verdicts) >= maxVerdicts {
			x.verdicts = map[string]bool{}
		}
		x.verdicts[path] = v
	}
	x.rulesMu.Unlock()
	return v
}

// rulesChangedLocked forgets the verdicts; x.rulesMu is held.
func (x *FileIndex) rulesChangedLocked() {
	x.gen++
	x.verdicts = nil
}

func (x *FileIndex) excluded(path string) bool {
	x.mu.Lock()
	roots := x.roots
	x.mu.Unlock()
	// .inklingignore is an exclusion rule too, not only a filter of the
	// walk: an open buffer it names must not reach a prompt either.
	if excluded(x.exclude, roots, path) || ignoredBy(roots, path, false, []string{IgnoreFile}, x.cachedRules) {
		return true
	}
	// A file in an ignored folder: check the folders below the root.
	for dir := filepath.Dir(path); dir != filepath.Dir(dir) && strictlyInside(roots, dir); dir = filepath.Dir(dir) {
		if ignoredBy(roots, dir, true, []string{IgnoreFile}, x.cachedRules) {
			return true
		}
	}
	return false
}

// cachedRules is readRules, remembered until the file changes.
func (x *FileIndex) cachedRules(file string) gitignore.GitIgnore {
	x.rulesMu.Lock()
	g, ok := x.rules[file]
	x.rulesMu.Unlock()
	if ok {
		return g
	}
	g = readRules(file)
	x.rulesMu.Lock()
	if x.rules == nil {
		x.rules = map[string]gitignore.GitIgnore{}
	}
	x.rules[file] = g
	x.rulesMu.Unlock()
	return g
}

// IgnoreFileChanged forgets what Excluded knows of path when it is an
// ignore file, so that the next call reads it again. Callers that learn of
// a change (didSave, didChangeWatchedFiles) call it, or Update or Remove,
// which do.
func (x *FileIndex) IgnoreFileChanged(path string) {
	if filepath.Base(path) != IgnoreFile {
		return
	}
	x.rulesMu.Lock()
	delete(x.rules, filepath.Clean(path))
	x.rulesChangedLocked()
	x.rulesMu.Unlock()
}

func strictlyInside(roots []string, path string) bool {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

func excluded(patterns, roots []string, path string) bool {
	slash := filepath.ToSlash(path)
	rel := slash
	for _, r := range roots {
		if rr, err := filepath.Rel(r, path); err == nil && !strings.HasPrefix(rr, "..") {
			rel = filepath.ToSlash(rr)
			break
		}
	}
	parts := strings.Split(rel, "/")
	for _, p := range patterns {
		switch {
		case strings.HasSuffix(p, "/"):
			dp := strings.TrimSuffix(p, "/")
			for _, part := range parts[:len(parts)-1] {
				if ok, _ := doublestar.Match(dp, part); ok {
					return true
				}
			}
		case strings.Contains(p, "/"):
			if ok, _ := doublestar.Match(strings.TrimPrefix(p, "/"), rel); ok {
				return true
			}
		default:
			for _, part := range parts {
				if ok, _ := doublestar.Match(p, part); ok {
					return true
				}
			}
		}
	}
	return false
}

// Build walks the roots and replaces the index with what it finds. fn, if
// not nil, is called with each accepted file and its content, from several
// goroutines at once. Build stops early, returning ctx.Err(), when ctx is
// cancelled; the index then holds what was found so far.
func (x *FileIndex) Build(ctx context.Context, roots []string, fn func(IndexedFile, []byte)) error {
	x.mu.Lock()
	x.roots = append([]string(nil), roots...)
	x.files = map[string]IndexedFile{}
	x.mu.Unlock()
	x.rulesMu.Lock()
	x.rules = nil // a walk reads the ignore files afresh; so does Excluded
	x.rulesChangedLocked()
	x.rulesMu.Unlock()
	if len(roots) == 0 {
		return nil
	}

	queue := make(chan *gocodewalker.File, 256)
	w := gocodewalker.NewParallelFileWalker(roots, queue)
	w.CustomIgnore = []string{IgnoreFile}
	w.ExcludeDirectory = []string{".git", "node_modules", ".hg", ".svn"}
	walkErr := make(chan error, 1)
	go func() { walkErr <- w.Start() }()
	go func() {
		<-ctx.Done()
		w.Terminate()
	}()

	var wg sync.WaitGroup
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range queue {
				if ctx.Err() != nil {
					continue // drain, so the walker can finish
				}
				if fi, src, ok := x.accept(f.Location, roots); ok {
					x.mu.Lock()
					x.files[fi.Path] = fi
					x.mu.Unlock()
					if fn != nil {
						fn(fi, src)
					}
				}
			}
		}()
	}
	wg.Wait()
	err := <-walkErr
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, gocodewalker.ErrTerminateWalk) {
		err = nil
	}
	return err
}

// accept reads a file and applies every rule but the ignore files.
func (x *FileIndex) accept(path string, roots []string) (IndexedFile, []byte, bool) {
	lang := treesitter.Lookup("", path)
	manifest := filepath.Base(path) == "go.mod"
	if lang == nil && !manifest {
		return IndexedFile{}, nil, false
	}
	if excluded(x.exclude, roots, path) {
		return IndexedFile{}, nil, false
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > x.maxSize {
		return IndexedFile{}, nil, false
	}
	src, err := os.ReadFile(path)
	if err != nil || (!manifest && Generated(src)) {
		return IndexedFile{}, nil, false
	}
	return IndexedFile{Path: path, Size: st.Size(), ModTime: st.ModTime(), Language: lang}, src, true
}

// Update re-reads one file after a save or a watched-file event. It returns
// the file and its content when the file belongs in the index, and removes
// it (ok false) when it no longer does: deleted, excluded, grown too big,
// generated, or ignored.
func (x *FileIndex) Update(path string) (fi IndexedFile, src []byte, ok bool) {
	x.IgnoreFileChanged(path)
	x.mu.Lock()
	roots := x.roots
	_, known := x.files[path]
	x.mu.Unlock()
	inRoot := false
	for _, r := range roots {
		if rr, err := filepath.Rel(r, path); err == nil && !strings.HasPrefix(rr, "..") {
			inRoot = true
		}
	}
	if inRoot {
		fi, src, ok = x.accept(path, roots)
	}
	if ok && !known && ignored(roots, path) {
		ok = false // a new file: the walk did not see it, so check the ignore files here
	}
	x.mu.Lock()
	if ok {
		x.files[path] = fi
	} else {
		delete(x.files, path)
	}
	x.mu.Unlock()
	return fi, src, ok
}

// Remove drops a file that was deleted.
func (x *FileIndex) Remove(path string) {
	x.IgnoreFileChanged(path)
	x.mu.Lock()
	delete(x.files, path)
	x.mu.Unlock()
}

// Files lists the indexed files by path.
func (x *FileIndex) Files() []IndexedFile {
	x.mu.Lock()
	out := make([]IndexedFile, 0, len(x.files))
	for _, f := range x.files {
		out = append(out, f)
	}
	x.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Len is the number of indexed files.
func (x *FileIndex) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.files)
}

// ignored checks the ignore files of every folder from the root down to
// path, the later (deeper) ones winning, as git does.
func ignored(roots []string, path string) bool {
	return ignoredBy(roots, path, false, []string{gocodewalker.GitIgnore, gocodewalker.Ignore, IgnoreFile}, readRules)
}

// readRules reads and parses one ignore file, or returns nil when there is
// none.
func readRules(file string) gitignore.GitIgnore {
	c, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	absDir, _ := filepath.Abs(filepath.Dir(file))
	return gitignore.New(bytes.NewReader(c), absDir, nil)
}

// ignoredBy is ignored for a file or folder, with the given ignore file
// names, read by rules.
func ignoredBy(roots []string, path string, isDir bool, names []string, rules func(file string) gitignore.GitIgnore) bool {
	for _, r := range roots {
		rel, err := filepath.Rel(r, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		abs, _ := filepath.Abs(path)
		dir := r
		ign := false
		parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
		for i := 0; i <= len(parts); i++ {
			for _, name := range names {
				g := rules(filepath.Join(dir, name))
				if g == nil {
					continue
				}
				// The match says whether it ignores or re-includes; the
				// file need not exist (an unsaved buffer).
				if m := g.MatchIsDir(abs, isDir); m != nil {
					ign = m.Ignore()
				}
			}
			if i < len(parts) && parts[i] != "." {
				dir = filepath.Join(dir, parts[i])
			}
		}
		return ign
	}
	return false
}

// Generated reports whether a file's content is machine-made: marked "Code
// generated ... DO NOT EDIT" or "@generated" near its top, or minified
// (very long lines).
func Generated(src []byte) bool {
	head := src
	if len(head) > 4096 {
		head = head[:4096]
	}
	if i := bytes.Index(head, []byte("Code generated ")); i >= 0 && bytes.Contains(head[i:], []byte("DO NOT EDIT")) {
		return true
	}
	if bytes.Contains(head, []byte("@generated")) {
		return true
	}
	if len(src) > 4096 {
		lines := bytes.Count(src, []byte{'\n'}) + 1
		if len(src)/lines > 300 {
			return true
		}
	}
	return false
}
