package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"syscall"

	"github.com/sourcegraph/jsonrpc2"
	"go.uber.org/zap"

	"github.com/inkling-ls/inkling/context/workspace"
)

func init() {
	requests["initialize"] = initialize
	requests["shutdown"] = shutdown
	notifications["initialized"] = initialized
	notifications["exit"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) error {
		s.exit()
		return nil
	}
}

type initializeParams struct {
	ProcessID  *int    `json:"processId"`
	RootURI    *string `json:"rootUri"`
	RootPath   *string `json:"rootPath"`
	ClientInfo *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"clientInfo"`
	WorkspaceFolders []struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	} `json:"workspaceFolders"`
	Capabilities struct {
		General struct {
			PositionEncodings []string `json:"positionEncodings"`
		} `json:"general"`
	} `json:"capabilities"`
	InitializationOptions json.RawMessage `json:"initializationOptions"`
}

func initialize(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p initializeParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	// Prefer utf-8 when offered: positions are then byte columns, no
	// conversion, and Neovim and Helix offer it. utf-16 is the default every
	// client supports.
	enc := workspace.UTF16
	for _, e := range p.Capabilities.General.PositionEncodings {
		if e == "utf-8" {
			enc = workspace.UTF8
			break
		}
		if e == "utf-32" {
			enc = workspace.UTF32
		}
	}
	var roots []string
	for _, f := range p.WorkspaceFolders {
		roots = append(roots, workspace.PathOf(f.URI))
	}
	if len(roots) == 0 && p.RootURI != nil && *p.RootURI != "" {
		roots = []string{workspace.PathOf(*p.RootURI)}
	}
	if len(roots) == 0 && p.RootPath != nil && *p.RootPath != "" {
		roots = []string{*p.RootPath}
	}
	s.ws.SetRoots(roots)

	// Settings: defaults and environment, then initializationOptions. A bad
	// field is reported and skipped; the rest apply.
	set, problems := defaultSettings(s.opts.Env)
	if len(p.InitializationOptions) > 0 && string(p.InitializationOptions) != "null" {
		opts := unwrapSection(p.InitializationOptions)
		set, problems = set.merge(opts, problems)
	}
	s.mu.Lock()
	s.enc = enc
	s.initialized = true
	if p.ProcessID != nil {
		s.parentPID = *p.ProcessID
	}
	s.mu.Unlock()
	s.applySettings(set, problems, true)
	if p.ProcessID != nil {
		s.watchParent(*p.ProcessID)
	}
	client := ""
	if p.ClientInfo != nil {
		client = p.ClientInfo.Name + " " + p.ClientInfo.Version
	}
	s.log.Info("initialize", zap.String("client", client), zap.Strings("roots", roots), zap.Stringer("encoding", enc))

	result := map[string]any{
		"capabilities": map[string]any{
			"positionEncoding": enc.String(),
			"textDocumentSync": map[string]any{
				"openClose": true,
				"change":    2, // incremental
				"save":      map[string]any{"includeText": false},
			},
			"inlineCompletionProvider": map[string]any{},
			"completionProvider": map[string]any{
				"triggerCharacters": []string{".", "(", "[", "{", ",", " ", ":", "=", ">", "\"", "'", "/"},
				"resolveProvider":   false,
			},
			"executeCommandProvider": map[string]any{"commands": []string{acceptCommand}},
			"workspace": map[string]any{
				"workspaceFolders": map[string]any{"supported": true, "changeNotifications": true},
			},
		},
		"serverInfo": map[string]any{"name": "inkling", "version": s.opts.Version},
	}
	return func() (any, error) { return result, nil }, nil
}

func initialized(s *Server, ctx context.Context, req *jsonrpc2.Request) error {
	s.ctx.start(s.ws.Roots())
	return nil
}

func shutdown(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	s.cancelAll()
	return func() (any, error) { return nil, nil }, nil
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
