package server

import (
	"context"
	"strings"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/context/workspace"
)

func init() {
	requests["textDocument/inlineCompletion"] = inlineCompletion
}

// inlineCompletion answers LSP 3.18's textDocument/inlineCompletion: ghost
// text. With a partialResultToken the growing suggestion is sent as
// $/progress while the model streams, so the editor can draw the first line
// before the last is written.
func inlineCompletion(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p inlineCompletionParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	// An invoked request is the user asking (a trigger key, or next and
	// previous with nothing to cycle to yet): it gets alternatives.
	trigger := completion.Automatic
	if p.Context != nil && p.Context.TriggerKind == 1 {
		trigger = completion.Cycling
	}
	creq, run, err := s.startCompletion(ctx, req, p.TextDocument.URI, p.Position, trigger)
	if err != nil {
		return nil, err
	}
	empty := inlineCompletionList{Items: []inlineCompletionItem{}}
	if !run {
		return func() (any, error) { return empty, nil }, nil
	}
	var selected string
	if p.Context != nil && p.Context.SelectedCompletionInfo != nil {
		selected = selectedExtra(creq.Snapshot, p.Context.SelectedCompletionInfo, creq.Encoding)
	}
	uri, version := p.TextDocument.URI, creq.Snapshot.Version
	if p.PartialResultToken != nil {
		token := p.PartialResultToken
		creq.OnPartial = func(sg completion.Suggestion, ended bool) {
			if !strings.HasPrefix(sg.Text, selected) {
				return
			}
			p := progressParams{Token: token, Value: inlineCompletionList{Items: []inlineCompletionItem{
				{InsertText: sg.Text, Range: sg.Range},
			}}}
			if ended {
				// The answer is written next: in the same write, the
				// client wakes once for both.
				s.notifyWithNext("$/progress", p)
				return
			}
			s.notify("$/progress", p)
		}
	}
	return func() (any, error) {
		res, err := s.complete(ctx, creq)
		if err != nil {
			return nil, err
		}
		out := empty
		for _, sg := range res.Items {
			if !strings.HasPrefix(sg.Text, selected) {
				continue // must extend the item selected in the popup
			}
			id := s.suggestions.add(shown{URI: uri, Text: sg.Text, At: sg.Range.End, Version: version})
			out.Items = append(out.Items, inlineCompletionItem{
				InsertText: sg.Text, Range: sg.Range,
				Command: &command{Title: "Inkling: accepted", Command: acceptCommand, Arguments: []any{id}},
			})
		}
		return out, nil
	}, nil
}

// selectedExtra is what the popup's selected item would add beyond the text
// already typed in its range: an inline suggestion must begin with it.
func selectedExtra(snap *workspace.Snapshot, info *selectedCompletionInfo, enc workspace.Encoding) string {
	a, _ := snap.Offset(info.Range.Start, enc)
	b, _ := snap.Offset(info.Range.End, enc)
	if a > b || b > len(snap.Text) {
		return ""
	}
	typed := snap.Text[a:b]
	if strings.HasPrefix(info.Text, typed) {
		return info.Text[len(typed):]
	}
	return ""
}
