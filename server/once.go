package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/completion/provider/local"
	"github.com/inkling-ls/inkling/context/workspace"
)

// OnceResult is one completion from the command line.
type OnceResult struct {
	Text     string          `json:"text"`
	Provider string          `json:"provider"`
	Why      string          `json:"why"`
	Path     string          `json:"path"`
	Line     int             `json:"line"`   // 1-based
	Column   int             `json:"column"` // 1-based, in bytes
	Prompt   provider.Prompt `json:"prompt"`
	Source   string          `json:"source"`
	// Request is what the backend sends for Prompt (absent for the
	// offline engine, which has no wire format).
	Request *provider.Request `json:"request,omitempty"`
}

// CompleteOnce runs one completion through the same engine, settings and
// context sources as a session, for `inkling complete FILE:LINE:COL`. line
// and col are 1-based, col counting bytes, as compilers print them.
func CompleteOnce(ctx context.Context, opts Options, path string, line, col int) (*OnceResult, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	s := New(opts)
	root := projectRoot(abs)
	s.ws.SetRoots([]string{root})
	set, problems := defaultSettings(s.opts.Env)
	s.mu.Lock()
	s.initialized = true
	s.enc = workspace.UTF8
	s.mu.Unlock()
	s.ctx.start([]string{root})
	// The probe for a local model server runs synchronously here, there
	// being no editor waiting: not also in the background.
	s.opts.NoProbe = true
	s.applySettings(set, problems, true)
	if !opts.NoProbe && set.Provider == "" && set.Endpoint == "" {
		s.probe()
	}
	defer s.ctx.close()
	if s.ctx.excluded(abs) {
		return nil, fmt.Errorf("%s matches the exclusion rules; Inkling never completes it", path)
	}
	uri := workspace.URIOf(abs)
	s.ws.Open(uri, "", 1, string(data))
	// Wait for the background work a session would have done by the time
	// the user types: the index, and the offline engine's training.
	s.ctx.waitReady(ctx)
	if _, ok := s.engine.Provider().(*local.Engine); ok {
		s.ctx.local.SetOpen(abs, string(data))
	}
	req := completion.Request{URI: uri, Position: workspace.Position{Line: line - 1, Character: col - 1}, Encoding: workspace.UTF8, Trigger: completion.Invoked}
	var prompt provider.Prompt
	s.engine.OnPrompt = func(p provider.Prompt) { prompt = p }
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res, err := s.engine.Complete(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &OnceResult{Provider: s.engine.Provider().Name(), Why: s.providerWhy, Path: path, Line: line, Column: col, Prompt: prompt, Source: res.Source}
	if len(res.Items) > 0 {
		out.Text = res.Items[0].Text
	}
	if out.Provider != "local" && prompt.Prefix != "" {
		s.mu.Lock()
		cfg := s.settings.providerConfig(out.Provider)
		s.mu.Unlock()
		if r, err := provider.Preview(cfg, prompt); err == nil {
			out.Request = &r
		}
	}
	return out, nil
}

// projectRoot is the nearest folder above path with a go.mod, .git or
// package.json: what an editor would open as the workspace.
func projectRoot(path string) string {
	dir := filepath.Dir(path)
	for d := dir; ; d = filepath.Dir(d) {
		for _, m := range []string{"go.mod", ".git", "package.json", "pyproject.toml", "Cargo.toml"} {
			if _, err := os.Stat(filepath.Join(d, m)); err == nil {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
