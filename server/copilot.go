package server

import (
	"context"
	"strings"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Copilot's own protocol, so that copilot.vim and copilot.lua can be pointed
// at Inkling: the legacy getCompletions family, the telemetry notifications
// they send, and sign-in calls that answer that no sign-in is needed.
func init() {
	requests["getCompletions"] = getCompletions
	requests["getCompletionsCycling"] = getCompletions
	requests["checkStatus"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return map[string]any{"status": "OK", "user": "inkling"}, nil }, nil
	}
	noSignIn := func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return map[string]any{"status": "AlreadySignedIn", "user": "inkling"}, nil }, nil
	}
	requests["signIn"] = noSignIn
	requests["signInInitiate"] = noSignIn
	requests["signInConfirm"] = noSignIn
	requests["signOut"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return map[string]any{"status": "NotSignedIn"}, nil }, nil
	}
	requests["setEditorInfo"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return "OK", nil }, nil
	}
	requests["getVersion"] = func(s *Server, _ context.Context, _ *jsonrpc2.Request) (func() (any, error), error) {
		return func() (any, error) { return map[string]any{"version": s.opts.Version}, nil }, nil
	}
	for _, m := range []string{"notifyShown", "notifyAccepted", "notifyRejected"} {
		requests[m] = telemetry
	}
	notifications["textDocument/didShowCompletion"] = didShowCompletion
	notifications["textDocument/didPartiallyAcceptCompletion"] = telemetryNote
	requests["workspace/executeCommand"] = executeCommand
}

type copilotDoc struct {
	URI          string              `json:"uri"`
	Version      *int32              `json:"version"`
	Position     *workspace.Position `json:"position"`
	InsertSpaces *bool               `json:"insertSpaces"`
	TabSize      *int                `json:"tabSize"`
}

// getCompletions is Copilot's pre-3.18 request. Its answer carries the
// whole line: text is the line as it will read after acceptance, and range
// spans from the line's start to the cursor.
func getCompletions(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p struct {
		Doc *copilotDoc `json:"doc"`
	}
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	if p.Doc == nil {
		return nil, errorf(codeInvalidParams, "%s: doc is required", req.Method)
	}
	trigger := completion.Automatic
	if req.Method == "getCompletionsCycling" {
		trigger = completion.Cycling // alternatives for the plugin's next and previous
	}
	creq, run, err := s.startCompletion(ctx, req, p.Doc.URI, p.Doc.Position, trigger)
	if err != nil {
		return nil, err
	}
	empty := map[string]any{"completions": []any{}}
	if !run {
		return func() (any, error) { return empty, nil }, nil
	}
	snap := creq.Snapshot
	off, _ := snap.Offset(*p.Doc.Position, creq.Encoding)
	lineStart := strings.LastIndexByte(snap.Text[:off], '\n') + 1
	lineBefore := snap.Text[lineStart:off]
	startPos := snap.Position(lineStart, creq.Encoding)
	version := snap.Version
	uri := p.Doc.URI
	return func() (any, error) {
		res, err := s.complete(ctx, creq)
		if err != nil {
			return nil, err
		}
		var out []map[string]any
		for _, sg := range res.Items {
			id := s.suggestions.add(shown{URI: uri, Text: sg.Text, At: sg.Range.End, Version: version})
			out = append(out, map[string]any{
				"uuid":        id,
				"text":        lineBefore + sg.Text,
				"displayText": sg.Text,
				"range":       workspace.Range{Start: startPos, End: sg.Range.End},
				"position":    sg.Range.End,
				"docVersion":  version,
			})
		}
		if out == nil {
			return empty, nil
		}
		return map[string]any{"completions": out}, nil
	}, nil
}

// telemetry accepts Copilot's shown/accepted/rejected reports. Inkling
// sends no telemetry anywhere; an accepted suggestion is logged at debug.
func telemetry(s *Server, _ context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p map[string]any
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	if id, ok := p["uuid"].(string); ok {
		if _, known := s.suggestions.get(id); !known && req.Method == "notifyAccepted" {
			return nil, errorf(codeInvalidParams, "%s: unknown uuid %q", req.Method, id)
		}
		if req.Method == "notifyShown" {
			s.speculateShown(id)
		}
	}
	return func() (any, error) { return "OK", nil }, nil
}

// didShowCompletion is the Copilot language server's note that an inline
// suggestion is on screen: the time to ask for what follows its acceptance.
// The suggestion is named by the argument of the command we attached to it.
func didShowCompletion(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p struct {
		Item struct {
			Command *struct {
				Arguments []any `json:"arguments"`
			} `json:"command"`
		} `json:"item"`
	}
	if err := decode(req, &p); err != nil {
		return err
	}
	if c := p.Item.Command; c != nil && len(c.Arguments) > 0 {
		if id, ok := c.Arguments[0].(string); ok {
			s.speculateShown(id)
		}
	}
	return nil
}

func telemetryNote(s *Server, _ context.Context, req *jsonrpc2.Request) error {
	var p map[string]any
	return decode(req, &p)
}

func executeCommand(s *Server, _ context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p struct {
		Command   string `json:"command"`
		Arguments []any  `json:"arguments"`
	}
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	switch p.Command {
	case acceptCommand, "github.copilot.didAcceptCompletionItem":
		return func() (any, error) { return nil, nil }, nil
	}
	return nil, errorf(codeInvalidParams, "workspace/executeCommand: unknown command %q", p.Command)
}
