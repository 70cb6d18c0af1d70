package local

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/boyter/gocodewalker"
)

// secret reports whether a file name looks like credentials, which are
// never read, let alone learnt from.
func secret(name string) bool {
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, ".env"), strings.HasPrefix(n, "id_rsa"), strings.HasPrefix(n, "id_ed25519"),
		strings.HasPrefix(n, "id_ecdsa"), n == ".netrc", n == ".npmrc", n == ".pypirc":
		return true
	}
	switch filepath.Ext(n) {
	case ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".crt", ".der":
		return true
	}
	return false
}

// learnable reports whether a file is source worth modelling: a known
// code or text extension, small enough, not generated, not minified.
func learnable(name string, data []byte, maxBytes int) bool {
	if len(data) == 0 || len(data) > maxBytes || secret(name) {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".go", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".java", ".js", ".jsx", ".mjs", ".cjs",
		".ts", ".tsx", ".mts", ".cs", ".rs", ".php", ".kt", ".scala", ".swift", ".dart", ".zig", ".m",
		".py", ".pyi", ".rb", ".rake", ".lua", ".sh", ".bash", ".zsh":
	default:
		return false
	}
	if strings.HasSuffix(name, ".min.js") || strings.HasSuffix(name, ".pb.go") {
		return false
	}
	head := data[:min(len(data), 1024)]
	if bytes.IndexByte(head, 0) >= 0 {
		return false // binary
	}
	// Go's convention for generated files, and the common variants.
	if bytes.Contains(head, []byte("Code generated")) && bytes.Contains(head, []byte("DO NOT EDIT")) {
		return false
	}
	// Minified or data-like: very long lines.
	if nl := bytes.Count(data, []byte("\n")); len(data)/(nl+1) > 400 {
		return false
	}
	return true
}

// TrainDir trains e on the source files under root, honouring .gitignore
// and .ignore files and skipping hidden folders, secrets, large and
// generated files. skip, if not nil, vetoes further paths (the user's
// exclusion globs). It returns the number of files learnt.
func TrainDir(ctx context.Context, e *Engine, root string, skip func(path string) bool) (int, error) {
	defer limitMemory(e)()
	files := make(chan *gocodewalker.File, 64)
	w := gocodewalker.NewFileWalker(root, files)
	w.ExcludeDirectory = []string{".git", ".hg", ".svn", "node_modules", "vendor"}
	errc := make(chan error, 1)
	go func() { errc <- w.Start() }()
	n := 0
	e.trainAll(func(yield func(source) bool) {
		done := false
		for f := range files {
			if done || ctx.Err() != nil {
				w.Terminate()
				continue // drain so the walker can finish
			}
			if secret(f.Filename) || (skip != nil && skip(f.Location)) {
				continue
			}
			data, err := os.ReadFile(f.Location)
			if err != nil || !learnable(f.Filename, data, e.opts.MaxFileBytes) {
				continue
			}
			rel, err := filepath.Rel(root, f.Location)
			if err != nil {
				rel = f.Location
			}
			n++
			done = !yield(source{path: filepath.ToSlash(rel), text: string(data)})
		}
	})
	err := <-errc
	if ctx.Err() != nil {
		return n, ctx.Err()
	}
	if err == gocodewalker.ErrTerminateWalk {
		err = nil
	}
	return n, err
}

// Training's soft memory limit, shared by TrainDir calls that overlap.
var (
	limitMu    sync.Mutex
	limitUsers int
	limitPrev  int64
)

// limitMemory lowers the Go runtime's soft memory limit while a workspace
// is trained, to what the process holds besides the model plus the
// model's cap, and returns the function that puts it back. The model
// keeps within its cap, its copies included, but the collector, left to
// itself, lets garbage grow to as much again as is live: the tables
// outgrown or pruned away piled up, and training 10 M tokens peaked at
// 412-458 MiB resident. A lower limit set by the user (GOMEMLIMIT) is
// kept.
func limitMemory(e *Engine) (restore func()) {
	limitMu.Lock()
	defer limitMu.Unlock()
	limitUsers++
	if limitUsers == 1 {
		// The heap live now: collected first, so that HeapAlloc counts
		// neither garbage nor a copy of the model's tables made before.
		// (runtime/metrics would say it without a collection, but its
		// init costs every start 0.7 ms.)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		held := int64(ms.HeapAlloc)
		e.mu.RLock()
		model, capped := e.bytesLocked(), e.opts.MaxBytes
		e.mu.RUnlock()
		want := max(held-model, 0) + capped + 16<<20
		limitPrev = debug.SetMemoryLimit(-1)
		if want < limitPrev {
			debug.SetMemoryLimit(want)
		}
	}
	return func() {
		limitMu.Lock()
		defer limitMu.Unlock()
		limitUsers--
		if limitUsers == 0 {
			debug.SetMemoryLimit(limitPrev)
		}
	}
}
