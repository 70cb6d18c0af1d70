package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/context/workspace"
)

// startCompletion does the part of every completion request that must
// happen on the read loop: validate, snapshot the document as it is now,
// and supersede the document's previous request. run is nil when the
// request gets an empty answer without asking the engine.
func (s *Server) startCompletion(ctx context.Context, req *jsonrpc2.Request, uri string, pos *workspace.Position, trigger completion.Trigger) (creq completion.Request, run bool, err error) {
	if err := requireURI(req.Method, uri); err != nil {
		return creq, false, err
	}
	if pos == nil {
		return creq, false, errorf(codeInvalidParams, "%s: position is required", req.Method)
	}
	if pos.Line < 0 || pos.Character < 0 {
		return creq, false, errorf(codeInvalidParams, "%s: position %d:%d is negative", req.Method, pos.Line, pos.Character)
	}
	// Text only: the tree is brought up to date off the read loop, in
	// complete, so that parsing never delays the next message.
	snap, err := s.ws.Snapshot(uri, false)
	if err != nil {
		return creq, false, errorf(codeInvalidParams, "%s: %v (send textDocument/didOpen first)", req.Method, err)
	}
	if pos.Line >= snap.LineCount() {
		n := snap.LineCount()
		snap.Close()
		return creq, false, errorf(codeInvalidParams, "%s: line %d is past the end of the document (%d lines)", req.Method, pos.Line, n)
	}
	s.mu.Lock()
	enc, enabled := s.enc, s.settings.Enable
	s.mu.Unlock()
	if !enabled || s.ctx.excluded(snap.Path) {
		snap.Close()
		return creq, false, nil
	}
	s.supersede(uri, req.ID)
	return completion.Request{URI: uri, Position: *pos, Encoding: enc, Trigger: trigger, Snapshot: snap}, true, nil
}

// complete runs the engine and frees the snapshot.
func (s *Server) complete(ctx context.Context, creq completion.Request) (*completion.Result, error) {
	// Freed after the answer has gone: deleting a tree that had edits
	// applied to it (TreeNow) takes up to a millisecond on a large file,
	// and done meanwhile it competed with the reply for the CPU.
	defer afterReply(ctx, creq.Snapshot.Close)
	// Never wait for a reparse here: its error recovery can take
	// hundreds of milliseconds in a large file with a brace just opened.
	// A tree whose structure lags a few keys serves the engine's shape
	// decision and the retriever just as well; and it is made only if
	// they ask for it.
	s.ws.LazyTree(creq.Snapshot)
	res, err := s.engine.Complete(ctx, creq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("completion failed: %w", err)
	}
	s.mu.Lock()
	speculate := s.settings.Speculate
	s.mu.Unlock()
	// A client that says which suggestions it displayed (Copilot's
	// protocol) gets the speculative call then, for those only: an answer
	// superseded before it was drawn costs nothing more.
	if speculate && len(res.Items) > 0 && res.Source != "cache" && !s.showNotes.Load() {
		// A fresh suggestion is about to be shown: ask now for the state
		// after its acceptance (the cache serves the typing-through
		// states, which end in that same state). Text only, copied: the
		// snapshot's tree is freed meanwhile. Started once the answer is
		// written: begun now, it copied the document and woke a thread
		// while the answer was on its way.
		snap, pos, enc, text := creq.Snapshot.TextOnly(), creq.Position, creq.Encoding, res.Items[0].Text
		afterReply(ctx, func() { s.engine.Speculate(snap, pos, enc, text) }) // it launches and returns
	}
	return res, nil
}

// speculateShown is the speculative call for a suggestion the client
// reports displayed, once per suggestion; the engine makes no second call
// for a state it has guessed at already (complete may have, before the
// client's first report). The document must be as it was when the
// suggestion was made.
func (s *Server) speculateShown(id string) {
	s.showNotes.Store(true)
	sh, ok := s.suggestions.markSpeculated(id)
	if !ok {
		return
	}
	s.mu.Lock()
	speculate, enc := s.settings.Speculate, s.enc
	s.mu.Unlock()
	if !speculate {
		return
	}
	snap, err := s.ws.Snapshot(sh.URI, false)
	if err != nil {
		return
	}
	if snap.Version != sh.Version {
		snap.Close() // typed on since: the state it guessed at is gone
		return
	}
	go func() {
		defer snap.Close()
		s.engine.Speculate(snap, sh.At, enc, sh.Text)
	}()
}

// acceptCommand is attached to every suggestion, so that the client tells
// us when one is accepted (LSP runs an item's command after applying it).
const acceptCommand = "inkling.accepted"

// suggestionLog remembers recent suggestions by id, for the accept and
// shown notifications of Copilot-protocol clients.
type suggestionLog struct {
	mu   sync.Mutex
	next atomic.Int64
	ids  []string
	byID map[string]shown
}

type shown struct {
	URI     string
	Text    string
	At      workspace.Position // the cursor the suggestion is for
	Version int32              // the document's, when it was made
	// Speculated: its display was reported and acted on.
	Speculated bool
}

func newSuggestionLog() *suggestionLog { return &suggestionLog{byID: map[string]shown{}} }

func (l *suggestionLog) add(sh shown) string {
	id := "ink-" + strconv.FormatInt(l.next.Add(1), 10)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
	l.byID[id] = sh
	if len(l.ids) > 256 {
		delete(l.byID, l.ids[0])
		l.ids = l.ids[1:]
	}
	return id
}

func (l *suggestionLog) get(id string) (shown, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.byID[id]
	return v, ok
}

// markSpeculated returns the suggestion id names unless its display was
// reported before, and notes that it was: a suggestion shown twice is
// guessed at once.
func (l *suggestionLog) markSpeculated(id string) (shown, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.byID[id]
	if !ok || v.Speculated {
		return shown{}, false
	}
	v.Speculated = true
	l.byID[id] = v
	return v, true
}

// firstLine is a suggestion's first non-empty line, for labels.
func firstLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(text)
}
