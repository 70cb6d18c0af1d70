// Package replay is Inkling's typing-replay benchmark: the real server,
// driven as an editor drives it, types a file one key at a time (didChange,
// then inlineCompletion, cancelling the previous request) against a fake
// model server with a set time to first token and per-token delay, and
// reports how many model calls the typing cost, how often a suggestion was
// there, and how much time the server added to the model's own.
package replay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/inkling-ls/inkling/completion"
)

// Config is one replay.
type Config struct {
	Case       *Case
	KeyDelay   time.Duration // between keys
	LinePause  time.Duration // added after each newline: the typist thinks
	TTFT       time.Duration // the model's time to first token
	TokenDelay time.Duration // the model's time per further token
	Mode       Mode
	Partials   bool // send a partialResultToken, as a streaming-capable editor does
	Invoked    bool // triggerKind Invoked (no debounce) instead of Automatic
	// Tabs are other files to open first, as an editor restores its tabs.
	Tabs []Tab
	// Settings are initializationOptions (the "inkling" section).
	Settings map[string]any
	// Drain bounds the wait for the last answer after the last key.
	Drain time.Duration
	// Root is the workspace folder (a new empty one when ""). The typed
	// file is opened at Root/Case.Path, which should not exist on disk.
	Root string
	// Command, when set, is the server to run as a child process over its
	// stdin and stdout (e.g. the built binary and "serve"), as an editor
	// runs it; otherwise the server runs in-process over pipes. A child
	// keeps the editor's and the fake model's work off the server's own
	// scheduler, so its timings are the ones a user meets. Without the
	// engine's launch reports, calls are matched to requests by the
	// prompt, and pre includes any debounce.
	Command []string
}

// Tab is an open file besides the one typed.
type Tab struct{ Name, Text string }

// DefaultConfig is the setup: 40 ms per key, 150 ms to first token.
func DefaultConfig(c *Case) Config {
	return Config{Case: c, KeyDelay: 40 * time.Millisecond, LinePause: 200 * time.Millisecond,
		TTFT: 150 * time.Millisecond, TokenDelay: 10 * time.Millisecond, Mode: Oracle, Partials: true, Drain: 10 * time.Second}
}

// request is one inlineCompletion the editor sent.
type request struct {
	id      int
	key     int
	sent    time.Time // the keystroke: before its didChange
	asked   time.Time // the inlineCompletion request written
	line    int       // its position
	col     int
	offset  int // the cursor's byte offset in the case's text
	token   string
	replied time.Time
	items   int
	err     error
}

// Run replays cfg against an in-process server and a fake model on a
// loopback port.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Drain == 0 {
		cfg.Drain = 10 * time.Second
	}
	m := newModel(cfg.Case, cfg.Mode, cfg.TTFT, cfg.TokenDelay)
	hs := httptest.NewUnstartedServer(m)
	hs.Listener = timedListener{hs.Listener}
	hs.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*timedConn); ok {
			return context.WithValue(ctx, connKey{}, tc)
		}
		return ctx
	}
	hs.Start()
	defer hs.Close()
	defer m.fake.Close()

	tmp, err := os.MkdirTemp("", "inkling-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := tmp

	env := map[string]string{
		"INKLING_PROVIDER": "openai", "INKLING_ENDPOINT": hs.URL + "/v1",
		"INKLING_MODEL": "qwen2.5-coder:1.5b-base", "INKLING_API_KEY": "replay",
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sv *served
	if len(cfg.Command) > 0 {
		sv, err = startChild(ctx, cfg.Command, env, filepath.Join(tmp, "wire.trace"))
	} else {
		sv = startInProcess(ctx, env)
	}
	if err != nil {
		return nil, err
	}
	defer sv.stop()
	ed := newEditor(ctx, sv.rw)
	defer ed.conn.Close()

	if cfg.Root != "" {
		// The temporary folder is still removed at the end; Root never is.
		if dir, err = filepath.Abs(cfg.Root); err != nil {
			return nil, err
		}
	}
	rootURI := "file://" + dir
	var initRes map[string]any
	init := map[string]any{"processId": nil, "rootUri": rootURI, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "inkling-replay"}}
	if cfg.Settings != nil {
		init["initializationOptions"] = map[string]any{"inkling": cfg.Settings}
	}
	if err := ed.conn.Call(ctx, "initialize", init, &initRes); err != nil {
		return nil, fmt.Errorf("initialize: %w", err)
	}
	notify := func(method string, params any) error { return ed.conn.Notify(ctx, method, params) }
	if err := notify("initialized", map[string]any{}); err != nil {
		return nil, err
	}
	lang := languageOf(cfg.Case.Path)
	for _, t := range cfg.Tabs {
		uri := "file://" + filepath.Join(dir, t.Name)
		if err := notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": uri, "languageId": languageOf(t.Name), "version": 1, "text": t.Text}}); err != nil {
			return nil, err
		}
	}
	uri := "file://" + filepath.Join(dir, cfg.Case.Path)
	if err := notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": lang, "version": 1, "text": cfg.Case.Initial()}}); err != nil {
		return nil, err
	}

	line, col := position(cfg.Case.Text[:cfg.Case.Start])
	keys := cfg.Case.Keys()
	var (
		reqMu sync.Mutex
		reqs  []*request
		wg    sync.WaitGroup
	)
	kind := 2
	if cfg.Invoked {
		kind = 1
	}
	start := time.Now()
	next := start
	var prev *request
	offset := cfg.Case.Start
	for i, k := range keys {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		r := &request{id: 1000 + i, key: i, sent: time.Now()}
		ch := map[string]any{"range": map[string]any{"start": pos(line, col), "end": pos(line, col)}, "text": k}
		if err := notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": i + 2},
			"contentChanges": []any{ch}}); err != nil {
			return nil, err
		}
		if k == "\n" {
			line, col = line+1, 0
		} else {
			col += len(utf16.Encode([]rune(k)))
		}
		// The editor cancels the request the keystroke made stale.
		if prev != nil {
			reqMu.Lock()
			done := !prev.replied.IsZero()
			reqMu.Unlock()
			if !done {
				_ = notify("$/cancelRequest", map[string]any{"id": prev.id})
			}
		}
		params := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos(line, col),
			"context": map[string]any{"triggerKind": kind}}
		if cfg.Partials {
			r.token = fmt.Sprintf("p%d", r.id)
			params["partialResultToken"] = r.token
		}
		offset += len(k)
		r.line, r.col, r.offset, r.asked = line, col, offset, time.Now()
		w, err := ed.conn.DispatchCall(ctx, "textDocument/inlineCompletion", params, jsonrpc2.PickID(jsonrpc2.ID{Num: uint64(r.id)}))
		if err != nil {
			return nil, err
		}
		reqMu.Lock()
		reqs = append(reqs, r)
		reqMu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res inlineList
			err := w.Wait(ctx, &res)
			now := time.Now()
			if t, ok := ed.replied(r.id); ok {
				now = t // off the wire, before the client's own decoding
			}
			reqMu.Lock()
			r.replied, r.err, r.items = now, err, len(res.Items)
			reqMu.Unlock()
		}()
		prev = r
		next = next.Add(cfg.KeyDelay)
		if k == "\n" {
			next = next.Add(cfg.LinePause)
		}
	}
	typing := time.Since(start)

	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(cfg.Drain):
		return nil, errors.New("replay: the last request was not answered in time")
	}
	st, err := sv.stats(ctx, ed)
	if err != nil {
		return nil, err
	}
	var nothing any
	if err := ed.conn.Call(ctx, "shutdown", nil, &nothing); err != nil {
		return nil, fmt.Errorf("shutdown: %w", err)
	}
	_ = notify("exit", nil)
	sv.wait(5 * time.Second)

	calls := m.snapshot()
	ls := sv.launches()
	reqMu.Lock()
	defer reqMu.Unlock()
	var wire *wireView
	if len(cfg.Command) > 0 {
		ls = launchesFromPrompts(cfg.Case, reqs, calls)
		evs, err := loadWireTrace(sv.trace)
		if err != nil {
			return nil, fmt.Errorf("replay: the server's wire trace: %w", err)
		}
		wire = &wireView{times: evs, asked: sv.asked, replies: ed.wire}
	}
	return report(cfg, reqs, calls, ls, st, ed, typing, wire), nil
}

func pos(line, col int) map[string]any { return map[string]any{"line": line, "character": col} }

// position is the LSP position (UTF-16) at the end of text.
func position(text string) (line, col int) {
	line = strings.Count(text, "\n")
	last := text[strings.LastIndexByte(text, '\n')+1:]
	return line, len(utf16.Encode([]rune(last)))
}

func languageOf(path string) string {
	switch filepath.Ext(path) {
	case ".go":
		return "go"
	case ".py":
		return "python"
	case ".ts":
		return "typescript"
	case ".js":
		return "javascript"
	case ".rs":
		return "rust"
	}
	return "plaintext"
}

// Report is what one replay measured.
type Report struct {
	Keys, Requests, ModelCalls int
	Answered                   int // requests answered with a suggestion
	Shown                      int // keystrokes after which text was visible (partial or final) before the next key
	Typing                     time.Duration

	PreSend  []time.Duration // request sent → model request received, less the debounce
	PostLast []time.Duration // last token written → response received
	Added    []time.Duration // PreSend + PostLast of one model call, when both were seen
	// The same, timed by a child server at its own wire (WireTrace):
	// request read → model request written, last token read → response
	// written. Empty for a server in-process.
	SrvPre, SrvPost, SrvAdded []time.Duration
	Debounce                  []time.Duration // per model call

	FirstText      []time.Duration // keystroke → first visible text
	FirstOverModel []time.Duration // the same less TTFT and debounce, where the key's own request started the call

	TokensStreamed, TokensDiscarded int64
	Reuse                           []float64 // longest common prefix / length, consecutive prompts

	calls []string
}

func report(cfg Config, reqs []*request, calls []call, launches []completion.Launch, st map[string]int64, ed *editor, typing time.Duration, at *wireView) *Report {
	r := &Report{Keys: len(cfg.Case.Keys()), Requests: len(reqs), ModelCalls: len(calls), Typing: typing,
		TokensDiscarded: st["tokensDiscarded"]}
	for _, q := range reqs {
		if q.err == nil && q.items > 0 {
			r.Answered++
		}
	}
	// Keystroke to first visible text: the first partial, or the answer.
	// Each call is matched to the request that made it by the position the
	// engine reports (every key moves the cursor).
	byPos := map[[2]int][]int{} // the requests at each position, in order
	for i, q := range reqs {
		k := [2]int{q.line, q.col}
		byPos[k] = append(byPos[k], i)
	}
	var launchedBy []int // per call: the index of the request that started it
	pre := make([]time.Duration, len(calls))
	srvPre := make([]time.Duration, len(calls))
	lines := make([]string, 0, len(calls)) // per call, for Calls
	// Calls are matched to launches in order by the prompt's prefix: a
	// call cancelled before its request reached the model has a launch but
	// no call.
	next := 0
	launchOf := func(c call) (completion.Launch, bool) {
		p := fimPart(c.prompt)
		for k := next; k < len(launches); k++ {
			if launches[k].Prompt.Prefix == p {
				next = k + 1
				return launches[k], true
			}
		}
		return completion.Launch{}, false
	}
	for i, c := range calls {
		r.TokensStreamed += int64(c.tokens)
		j := -1
		var deb time.Duration
		var prep, wire time.Duration
		if l, ok := launchOf(c); ok {
			deb, prep, wire = l.Debounce, l.Prepare, c.arrived.Sub(l.At)
			// The latest request at that position asked before the call
			// arrived: typing can come back to a position.
			for _, k := range byPos[[2]int{l.Position.Line, l.Position.Character}] {
				if !reqs[k].asked.After(c.arrived) {
					j = k
				}
			}
		}
		launchedBy = append(launchedBy, j)
		r.Debounce = append(r.Debounce, deb)
		pre[i], srvPre[i] = -1, -1
		if j >= 0 {
			pre[i] = c.arrived.Sub(reqs[j].asked) - deb
			r.PreSend = append(r.PreSend, pre[i])
			if d, ok := at.pre(reqs[j].id, c); ok {
				srvPre[i] = d
				r.SrvPre = append(r.SrvPre, d)
			}
		}
		ru := 1.0
		if i > 0 && calls[i-1].prompt != "" {
			ru = reuse(calls[i-1].prompt, c.prompt)
			r.Reuse = append(r.Reuse, ru)
		}
		lines = append(lines, fmt.Sprintf("call %d: key %d, debounce %v, pre %v (engine %v, provider and HTTP %v), %d tokens, prompt %d bytes, reuse %.3f",
			i, j, deb, pre[i], prep, wire, c.tokens, len(c.prompt), ru))
	}
	starter := map[int]int{}
	for i, j := range launchedBy {
		if j >= 0 {
			starter[j] = i
		}
	}
	for i, q := range reqs {
		if q.err != nil || q.items == 0 {
			why := "empty"
			if q.err != nil {
				why = q.err.Error()
			}
			r.calls = append(r.calls, fmt.Sprintf("request %d (key %d, %d:%d): %s", q.id, q.key, q.line, q.col, why))
		}
		first := time.Time{}
		if q.token != "" {
			if t, ok := ed.firstPartial(q.token); ok {
				first = t
			}
		}
		if q.err == nil && q.items > 0 && (first.IsZero() || q.replied.Before(first)) {
			first = q.replied
		}
		if first.IsZero() {
			continue
		}
		if i+1 < len(reqs) && first.After(reqs[i+1].sent) {
			continue // the next key came first: never on screen for this state
		}
		r.Shown++
		d := first.Sub(q.sent)
		r.FirstText = append(r.FirstText, d)
		if ci, ok := starter[i]; ok && !calls[ci].firstText.IsZero() {
			// Less the debounce and the model's own time to its first
			// visible token: what is left is the server's.
			model := calls[ci].firstText.Sub(calls[ci].arrived)
			r.FirstOverModel = append(r.FirstOverModel, first.Sub(q.asked)-r.Debounce[ci]-model)
		}
	}
	// Last token → response: the first answer with a suggestion that came
	// after the call's last token, to a request sent before it.
	for i, c := range calls {
		if c.lastWrite.IsZero() {
			continue
		}
		var best time.Duration = -1
		var bestID int
		for k, q := range reqs {
			if q.sent.After(c.lastWrite) {
				break
			}
			if k < launchedBy[i] || launchedBy[i] < 0 || i+1 < len(calls) && q.replied.After(calls[i+1].arrived) {
				continue // not waiting on this call
			}
			if q.err != nil || q.items == 0 || q.replied.Before(c.lastWrite) {
				continue
			}
			if d := q.replied.Sub(c.lastWrite); best < 0 || d < best {
				best, bestID = d, q.id
			}
		}
		if best >= 0 && best < time.Second {
			r.PostLast = append(r.PostLast, best)
			lines[i] += fmt.Sprintf(", post %v", best)
			if pre[i] >= 0 {
				r.Added = append(r.Added, pre[i]+best)
			}
			if d, ok := at.post(bestID, c); ok {
				r.SrvPost = append(r.SrvPost, d)
				lines[i] += fmt.Sprintf(" (at the server's wire: pre %v, post %v)", srvPre[i], d)
				if srvPre[i] >= 0 {
					r.SrvAdded = append(r.SrvAdded, srvPre[i]+d)
				}
			}
		}
	}
	r.calls = append(lines, r.calls...)
	return r
}

// fimPart is the prefix part of a prompt: between the FIM prefix and
// suffix tokens.
func fimPart(prompt string) string {
	i := strings.LastIndex(prompt, fimPrefix)
	j := strings.LastIndex(prompt, fimSuffix)
	if i < 0 || j < i {
		return ""
	}
	return prompt[i+len(fimPrefix) : j]
}

// reuse is the share of b that a model server's prefix cache could reuse
// after serving a: their longest common prefix over b's length.
func reuse(a, b string) float64 {
	if b == "" {
		return 1
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return float64(n) / float64(len(b))
}

// Calls describes each model call, for a human looking into a report.
func (r *Report) Calls() []string { return r.calls }
