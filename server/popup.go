package server

import (
	"context"
	"strings"
	"unicode"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/context/workspace"
)

func init() {
	requests["textDocument/completion"] = popupCompletion
}

// popupCompletion answers textDocument/completion for clients that have no
// ghost text (Helix, eglot): each suggestion is one menu item. The edit is
// an empty range at the cursor, the only form every client applies the same
// way; filterText starts with the word being typed so that clients which
// filter by it keep the item.
func popupCompletion(s *Server, ctx context.Context, req *jsonrpc2.Request) (func() (any, error), error) {
	var p completionParams
	if err := decode(req, &p); err != nil {
		return nil, err
	}
	creq, run, err := s.startCompletion(ctx, req, p.TextDocument.URI, p.Position, completion.Invoked)
	if err != nil {
		return nil, err
	}
	empty := completionList{IsIncomplete: true, Items: []completionItem{}}
	if !run {
		return func() (any, error) { return empty, nil }, nil
	}
	off, _ := creq.Snapshot.Offset(*p.Position, creq.Encoding)
	word := wordBefore(creq.Snapshot.Text[:off])
	uri, version := p.TextDocument.URI, creq.Snapshot.Version
	return func() (any, error) {
		res, err := s.complete(ctx, creq)
		if err != nil {
			return nil, err
		}
		out := empty
		for i, sg := range res.Items {
			label := firstLine(sg.Text)
			if len(label) > 80 {
				label = label[:77] + "…"
			}
			id := s.suggestions.add(shown{URI: uri, Text: sg.Text, At: sg.Range.End, Version: version})
			out.Items = append(out.Items, completionItem{
				Label:            word + label,
				LabelDetails:     &labelDetails{Description: "Inkling"},
				Kind:             1, // Text
				Detail:           "Inkling suggestion",
				Documentation:    &markupContent{Kind: "markdown", Value: "```" + creq.Snapshot.LanguageID + "\n" + sg.Text + "\n```"},
				SortText:         "0000" + string(rune('a'+i)),
				FilterText:       word + strings.TrimLeft(sg.Text, " \t\n"),
				InsertTextFormat: 1, // plain text: no snippet syntax to escape
				InsertTextMode:   1, // asIs: the suggestion is already indented
				TextEdit:         &textEdit{Range: workspace.Range{Start: sg.Range.Start, End: sg.Range.End}, NewText: sg.Text},
				Preselect:        i == 0,
				Data:             map[string]string{"id": id},
			})
		}
		return out, nil
	}, nil
}

// wordBefore is the identifier characters just before the cursor.
func wordBefore(s string) string {
	i := len(s)
	for i > 0 {
		r := rune(s[i-1])
		if r >= 0x80 || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			break
		}
		i--
	}
	return s[i:]
}
