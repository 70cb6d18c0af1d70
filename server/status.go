package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/inkling-ls/inkling/completion"
)

func init() {
	requests["inkling/status"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return s.statusReport(), nil }, nil
	}
	notifications["workspace/didChangeConfiguration"] = didChangeConfiguration
}

// applySettings makes set current: engine options, exclusions and the
// provider. problems (bad fields, already skipped) are shown to the user.
func (s *Server) applySettings(set Settings, problems []string, initial bool) {
	s.mu.Lock()
	prev := s.settings
	s.settings = set
	s.mu.Unlock()
	if len(problems) > 0 {
		msg := "Inkling settings: " + strings.Join(problems, "; ")
		s.log.Warn("settings", zap.Strings("problems", problems))
		s.notify("window/showMessage", map[string]any{"type": 2, "message": msg})
	}
	if set.LogLevel != "" && s.opts.LogLevel != nil {
		if l, err := zapcore.ParseLevel(set.LogLevel); err == nil {
			s.opts.LogLevel.SetLevel(l)
		}
	}
	o := s.engine.Options()
	o.Budget.Tokens = set.BudgetTokens
	o.MaxTokens = set.MaxTokens
	o.MaxFileBytes = set.MaxFileBytes
	o.Roots = s.ws.Roots()
	if set.DebounceMs < 0 {
		o.Debounce = -1
	} else {
		o.Debounce = time.Duration(set.DebounceMs) * time.Millisecond
	}
	s.engine.SetOptions(o)
	s.ctx.setExclude(set.Exclude)
	if initial || set.LocalMemoryMiB != prev.LocalMemoryMiB {
		s.ctx.setLocalMemory(set.LocalMemoryMiB)
	}

	if !initial && sameProvider(prev, set) && s.engine.Provider() != nil {
		return
	}
	kind, why := set.Provider, ""
	switch {
	case kind != "" && set.fromEnv["INKLING_PROVIDER"]:
		why = "INKLING_PROVIDER"
	case kind != "":
		why = "settings"
	case set.Endpoint != "":
		kind, why = "openai", "an endpoint is set"
		if strings.Contains(set.Endpoint, ":11434") {
			kind = "ollama"
		}
	}
	if kind == "" {
		s.useLocal("no provider configured")
		if !s.opts.NoProbe {
			go s.probe()
		}
		return
	}
	if kind == "local" {
		s.useLocal(why)
		return
	}
	p, err := s.opts.NewProvider(set.providerConfig(kind))
	if err != nil {
		msg := fmt.Sprintf("Inkling: %v", err)
		s.log.Error("provider", zap.Error(err))
		s.notify("window/showMessage", map[string]any{"type": 1, "message": msg})
		if s.engine.Provider() == nil {
			s.useLocal("the configured provider is invalid: " + err.Error())
		}
		s.setStatus("Error", msg)
		return
	}
	s.engine.SetProvider(p)
	s.mu.Lock()
	s.providerWhy = why
	s.mu.Unlock()
	s.log.Info("provider chosen", zap.String("provider", p.Name()), zap.String("model", set.Model), zap.String("why", why))
	s.setStatus("Normal", fmt.Sprintf("Inkling: %s%s (%s)", p.Name(), modelSuffix(set.Model), why))
}

func sameProvider(a, b Settings) bool {
	return a.Provider == b.Provider && a.Endpoint == b.Endpoint && a.Model == b.Model && a.APIKey == b.APIKey &&
		a.Template == b.Template && a.Temperature == b.Temperature && a.TimeoutMs == b.TimeoutMs
}

func modelSuffix(m string) string {
	if m == "" {
		return ""
	}
	return " " + m
}

func (s *Server) useLocal(why string) {
	s.engine.SetProvider(s.ctx.local)
	s.mu.Lock()
	s.providerWhy = why
	s.mu.Unlock()
	s.ctx.trainLocal()
	s.log.Info("provider chosen", zap.String("provider", "local"), zap.String("why", why))
	s.setStatus("Normal", "Inkling: local offline engine ("+why+")")
}

// probe looks for a model server on this machine when nothing is
// configured: Ollama with a fill-in-the-middle model, then llama.cpp.
func (s *Server) probe() {
	c := &http.Client{Timeout: 300 * time.Millisecond}
	if model := probeOllama(c); model != "" {
		s.mu.Lock()
		set := s.settings
		s.mu.Unlock()
		if set.Provider != "" || set.Endpoint != "" {
			return // configured meanwhile
		}
		set.Endpoint, set.Model = "http://127.0.0.1:11434/v1", model
		if p, err := s.opts.NewProvider(set.providerConfig("ollama")); err == nil {
			s.engine.SetProvider(p)
			why := "found Ollama at 127.0.0.1:11434 with " + model
			s.mu.Lock()
			s.providerWhy = why
			s.settings.Model = model
			s.settings.Endpoint = set.Endpoint
			s.mu.Unlock()
			s.log.Info("provider chosen", zap.String("provider", "ollama"), zap.String("why", why))
			s.setStatus("Normal", "Inkling: ollama "+model+" ("+why+")")
			return
		}
	}
	if resp, err := c.Get("http://127.0.0.1:8080/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			s.mu.Lock()
			set := s.settings
			s.mu.Unlock()
			if set.Provider != "" || set.Endpoint != "" {
				return
			}
			set.Endpoint = "http://127.0.0.1:8080"
			if p, err := s.opts.NewProvider(set.providerConfig("llamacpp")); err == nil {
				s.engine.SetProvider(p)
				why := "found llama.cpp at 127.0.0.1:8080"
				s.mu.Lock()
				s.providerWhy = why
				s.settings.Endpoint = set.Endpoint
				s.mu.Unlock()
				s.log.Info("provider chosen", zap.String("provider", "llamacpp"), zap.String("why", why))
				s.setStatus("Normal", "Inkling: llamacpp ("+why+")")
				return
			}
		}
	}
	s.log.Info("no local model server answered; staying on the offline engine")
}

// probeOllama returns the name of an installed model that can fill in the
// middle, or "".
func probeOllama(c *http.Client) string {
	resp, err := c.Get("http://127.0.0.1:11434/api/tags")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var tags struct {
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tags) != nil {
		return ""
	}
	for _, m := range tags.Models {
		n := strings.ToLower(m.Name)
		for _, fim := range []string{"coder", "starcoder", "codellama", "codegemma", "codestral"} {
			if strings.Contains(n, fim) {
				return m.Name
			}
		}
	}
	return ""
}

func didChangeConfiguration(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := decode(req, &p); err != nil {
		return err
	}
	if len(p.Settings) == 0 || string(p.Settings) == "null" {
		return nil
	}
	s.mu.Lock()
	cur := s.settings
	s.mu.Unlock()
	next, problems := cur.merge(unwrapSection(p.Settings), nil)
	s.applySettings(next, problems, false)
	return nil
}

// providerHealth is the engine telling us the endpoint's health changed.
func (s *Server) providerHealth(st completion.Status) {
	s.setStatus(st.Kind, st.Message)
	// Most clients show no status line: say it once in a message too. A
	// warning (the endpoint answers, but not in a form Inkling can use: a
	// wrong URL, a non-streaming proxy) needs the user as much as an error.
	switch st.Kind {
	case "Error":
		s.notify("window/showMessage", map[string]any{"type": 1, "message": st.Message})
	case "Warning":
		s.notify("window/showMessage", map[string]any{"type": 2, "message": st.Message})
	}
	if st.Err != nil {
		s.log.Warn("provider health", zap.String("kind", st.Err.Kind.String()), zap.Int("status", st.Err.Status), zap.String("message", st.Err.Msg))
	}
}

func (s *Server) setStatus(kind, msg string) {
	s.mu.Lock()
	s.status = statusParams{Kind: kind, Message: msg}
	st := s.status
	s.mu.Unlock()
	s.notify("didChangeStatus", st)
}

func (s *Server) statusReport() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := ""
	if p := s.engine.Provider(); p != nil {
		name = p.Name()
	}
	st := s.engine.Stats.Snapshot()
	ls := s.ctx.local.Stats()
	return map[string]any{
		"provider": name, "model": s.settings.Model, "endpoint": s.settings.Endpoint, "why": s.providerWhy,
		"kind": s.status.Kind, "message": s.status.Message, "enabled": s.settings.Enable,
		"stats": st,
		// The offline engine's model: what it learnt and how much of its
		// cap it holds (skipped files mean the cap is too small).
		"offline": map[string]any{
			"files": ls.Files, "tokens": ls.Tokens, "bytes": ls.Bytes, "peakBytes": ls.PeakBytes,
			"maxBytes": ls.MaxBytes, "prunes": ls.Prunes, "skipped": ls.Skipped,
		},
	}
}
