package server

import (
	"context"

	"github.com/sourcegraph/jsonrpc2"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/inkling-ls/inkling/context/workspace"
)

func init() {
	notifications["textDocument/didOpen"] = didOpen
	notifications["textDocument/didChange"] = didChange
	notifications["textDocument/didClose"] = didClose
	notifications["textDocument/didSave"] = didSave
	notifications["textDocument/didFocus"] = didFocus
	notifications["workspace/didChangeWatchedFiles"] = didChangeWatchedFiles
	notifications["workspace/didChangeWorkspaceFolders"] = didChangeWorkspaceFolders
}

func requireURI(method, uri string) error {
	if uri == "" {
		return errorf(codeInvalidParams, "%s: textDocument.uri is required", method)
	}
	return nil
}

func didOpen(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p protocol.DidOpenTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	if err := requireURI(req.Method, p.TextDocument.URI); err != nil {
		return err
	}
	s.ws.Open(p.TextDocument.URI, p.TextDocument.LanguageID, p.TextDocument.Version, p.TextDocument.Text)
	s.engine.Warm()
	s.ctx.setOpen(workspace.PathOf(p.TextDocument.URI), p.TextDocument.Text)
	return nil
}

// didChangeParams are textDocument/didChange's params, decoded in one
// pass: glsp's type decodes each change twice (kept raw, then as an
// event), which for a whole-document sync doubles the cost, and on every
// key puts a second decoding on the completion's path.
type didChangeParams struct {
	TextDocument struct {
		URI     string `json:"uri"`
		Version int32  `json:"version"`
	} `json:"textDocument"`
	ContentChanges []struct {
		Range *protocol.Range `json:"range"` // nil: the whole text
		Text  string          `json:"text"`
	} `json:"contentChanges"`
}

func didChange(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p didChangeParams
	if err := decode(req, &p); err != nil {
		return err
	}
	if err := requireURI(req.Method, p.TextDocument.URI); err != nil {
		return err
	}
	changes := make([]workspace.Change, len(p.ContentChanges))
	for i, c := range p.ContentChanges {
		changes[i].Text = c.Text
		if c.Range != nil {
			changes[i].Range = &workspace.Range{
				Start: workspace.Position{Line: int(c.Range.Start.Line), Character: int(c.Range.Start.Character)},
				End:   workspace.Position{Line: int(c.Range.End.Line), Character: int(c.Range.End.Character)},
			}
		}
	}
	s.mu.Lock()
	enc := s.enc
	s.mu.Unlock()
	return s.ws.Change(p.TextDocument.URI, p.TextDocument.Version, changes, enc)
}

func didClose(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p protocol.DidCloseTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	if err := requireURI(req.Method, p.TextDocument.URI); err != nil {
		return err
	}
	s.mu.Lock()
	if id, ok := s.latest[p.TextDocument.URI]; ok {
		if c := s.pending[id]; c != nil {
			c()
		}
		delete(s.latest, p.TextDocument.URI)
	}
	s.mu.Unlock()
	s.engine.Forget(p.TextDocument.URI)
	s.ctx.closeOpen(workspace.PathOf(p.TextDocument.URI))
	return s.ws.Close(p.TextDocument.URI)
}

func didSave(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p protocol.DidSaveTextDocumentParams
	if err := decode(req, &p); err != nil {
		return err
	}
	if err := requireURI(req.Method, p.TextDocument.URI); err != nil {
		return err
	}
	path := workspace.PathOf(p.TextDocument.URI)
	s.ctx.fileChanged(path, false)
	if snap, err := s.ws.Snapshot(p.TextDocument.URI, false); err == nil {
		s.ctx.setOpen(path, snap.Text)
	}
	return nil
}

func didFocus(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p struct {
		TextDocument *struct {
			URI string `json:"uri"`
		} `json:"textDocument"`
	}
	if err := decode(req, &p); err != nil {
		return err
	}
	if p.TextDocument != nil {
		s.ws.Focus(p.TextDocument.URI)
	}
	return nil
}

func didChangeWatchedFiles(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p protocol.DidChangeWatchedFilesParams
	if err := decode(req, &p); err != nil {
		return err
	}
	for _, c := range p.Changes {
		s.ctx.fileChanged(workspace.PathOf(c.URI), c.Type == protocol.FileChangeTypeDeleted)
	}
	return nil
}

func didChangeWorkspaceFolders(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p protocol.DidChangeWorkspaceFoldersParams
	if err := decode(req, &p); err != nil {
		return err
	}
	roots := s.ws.Roots()
	for _, r := range p.Event.Removed {
		path := workspace.PathOf(r.URI)
		for i, x := range roots {
			if x == path {
				roots = append(roots[:i], roots[i+1:]...)
				break
			}
		}
	}
	for _, a := range p.Event.Added {
		roots = append(roots, workspace.PathOf(a.URI))
	}
	s.ws.SetRoots(roots)
	s.ctx.start(roots)
	o := s.engine.Options()
	o.Roots = roots
	s.engine.SetOptions(o)
	return nil
}
