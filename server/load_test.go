package server

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/context/workspace"
	"github.com/inkling-ls/inkling/server/lsptest"
)

// loadSize is the size of TestLoad: the full size (50 documents,
// 100,000 edits, 10,000 completion requests) with INKLING_LOAD=full, a
// tenth of it otherwise, so that CI under -race stays quick.
// INKLING_LOAD=N sends N edits per document.
func loadSize() (docs, editsPerDoc, requestEvery int) {
	v := os.Getenv("INKLING_LOAD")
	if v == "full" {
		return 50, 2000, 10
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return 50, n, 10
	}
	return 50, 200, 10
}

// doc is the client's own copy of a document: the reference the server's
// copy must equal at the end.
type doc struct {
	uri     string
	orig    string
	text    string
	version int
	cursor  int // byte offset
}

// reset replaces the whole text with the original, as a formatter or a
// reload from disk does, and returns the change (a full-text one).
func (d *doc) reset() map[string]any {
	d.text = d.orig
	d.cursor = strings.Index(d.text, "\t\t\n") + 2
	d.version++
	return map[string]any{"text": d.text}
}

// position is offset off of text in UTF-16, as the client sends it.
func position(text string, off int) map[string]any {
	line := strings.Count(text[:off], "\n")
	start := strings.LastIndexByte(text[:off], '\n') + 1
	return pos(line, workspace.Units(text[start:off], workspace.UTF16))
}

// loadPieces are what is typed: balanced, so the code stays about as
// broken as code being typed is (parsing heaps of unclosed brackets costs
// tree-sitter far more than real editing does).
var loadPieces = []string{"x", "é", "😀", "\n\t", " + 1", "()", "{\n}", "ab", "\n", "[]"}

// edit makes one random edit at the cursor, which stays at the end of a
// line, where completions are asked for: type, backspace, or replace what
// was just typed; now and then the cursor moves to the end of another
// line. It returns the change to send.
func (d *doc) edit(r *rand.Rand) map[string]any {
	back := func(o int) int { // one rune back
		o--
		for o > 0 && !isRuneStart(d.text[o]) {
			o--
		}
		return o
	}
	if r.Intn(20) == 0 {
		ends := []int{}
		for i := 0; i < len(d.text); i++ {
			if d.text[i] == '\n' {
				ends = append(ends, i)
			}
		}
		d.cursor = ends[r.Intn(len(ends))]
	}
	s, e := d.cursor, d.cursor
	ins := loadPieces[r.Intn(len(loadPieces))]
	switch k := r.Intn(10); {
	case k < 2 && s > 0 && d.text[s-1] != '\n': // backspace
		s = back(s)
		ins = ""
	case k == 2 && s > 1 && d.text[s-1] != '\n': // replace what was just typed
		s = back(s)
	}
	change := map[string]any{"range": map[string]any{"start": position(d.text, s), "end": position(d.text, e)}, "text": ins}
	d.text = d.text[:s] + ins + d.text[e:]
	d.cursor = s + len(ins)
	d.version++
	return change
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// TestLoad sends incremental edits to many documents at once, with a
// completion request every few edits and storms of $/cancelRequest, against
// a real (local) HTTP model server. Every request is answered; the server's
// text of every document equals the client's; after the documents close the
// heap returns to its size before they opened; after the session ends no
// goroutine is left.
func TestLoad(t *testing.T) {
	docsN, editsPerDoc, every := loadSize()
	goleakOpts := []goleak.Option{goleak.IgnoreCurrent()}

	fake := providertest.NewServer(func(providertest.Recorded) providertest.Reply {
		return providertest.Reply{Chunks: providertest.Chunks("total += x\n\treturn total\n}\n"), FirstByte: 100 * time.Millisecond, Delay: 2 * time.Millisecond}
	})
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", fake.URL+"/v1", "INKLING_MODEL", "qwen2.5-coder:1.5b")})
	s.Initialize("", nil, map[string]any{"timeoutMs": 10000})
	// Warm up what is built once per process (the tokenizer's tables, the
	// HTTP connection pool) with one completion, so the baseline has it.
	warm := s.open("file:///load/warm.go", "go", "package w\n\nfunc f() {\n\t\n}\n")
	if _, err := s.Call("textDocument/inlineCompletion", inlineParams(warm, 3, 1)); err != nil {
		t.Fatal(err)
	}
	s.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": warm}})
	if _, err := s.Call("inkling/status", nil); err != nil {
		t.Fatal(err)
	}
	base := heapInuse()

	docs := make([]*doc, docsN)
	for i := range docs {
		text := fmt.Sprintf("package p%d\n\nfunc sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\t\n\t}\n\treturn total\n}\n", i)
		text += strings.Repeat("// a line of padding, to give the parser something to do\n", 100)
		docs[i] = &doc{uri: fmt.Sprintf("file:///load/d%02d.go", i), orig: text, text: text, version: 1, cursor: strings.Index(text, "\t\t\n") + 2}
		s.open(docs[i].uri, "go", text)
	}

	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := heapInuse(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	start := time.Now()
	var (
		mu      sync.Mutex
		pending []*lsptest.Pending
		edits   atomic.Int64
	)
	var wg sync.WaitGroup
	for i, d := range docs {
		wg.Add(1)
		go func(seed int64, d *doc) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			var mine []*lsptest.Pending
			for n := 1; n <= editsPerDoc; n++ {
				ch := d.edit(r)
				if n%250 == 0 {
					// Random typing piles up syntax errors, which make
					// every reparse slower than real editing does; start
					// over now and then.
					ch = d.reset()
				}
				s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": d.uri, "version": d.version},
					"contentChanges": []any{ch}})
				edits.Add(1)
				if n%every == 0 {
					trigger := 2
					if r.Intn(3) == 0 {
						trigger = 1
					}
					mine = append(mine, s.Send("textDocument/inlineCompletion", map[string]any{
						"textDocument": map[string]any{"uri": d.uri}, "position": position(d.text, d.cursor),
						"context": map[string]any{"triggerKind": trigger}}))
				}
				if n%(every*5) == 0 {
					// A storm: cancel the last few requests of this
					// document at once, the one just sent among them
					// (cancelling one already answered is allowed, and
					// must do nothing).
					for _, p := range mine[max(0, len(mine)-5):] {
						s.Notify("$/cancelRequest", map[string]any{"id": p.ID})
					}
				}
			}
			mu.Lock()
			pending = append(pending, mine...)
			mu.Unlock()
		}(int64(i), d)
	}
	wg.Wait()

	answered, cancelled, suggested := 0, 0, 0
	for _, p := range pending {
		res, err := p.Wait(t, 60*time.Second)
		switch {
		case err == nil:
			answered++
			if strings.Contains(string(res), "insertText") {
				suggested++
			}
		case err.Code == codeRequestCancelled:
			cancelled++
		default:
			t.Errorf("request %d: %v", p.ID, err)
		}
	}
	took := time.Since(start)

	// Nothing lost: the server's text is the client's.
	for _, d := range docs {
		snap, err := s.srv.ws.Snapshot(d.uri, false)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Text != d.text || int(snap.Version) != d.version {
			t.Errorf("%s: server has version %d (%d bytes), client %d (%d bytes)", d.uri, snap.Version, len(snap.Text), d.version, len(d.text))
		}
		snap.Close()
	}
	close(stopSampling)
	<-sampled

	for _, d := range docs {
		s.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": d.uri}})
	}
	if _, err := s.Call("inkling/status", nil); err != nil { // the closes are processed
		t.Fatal(err)
	}
	fake.WaitIdle(10 * time.Second)
	// The fake model server records every request: it goes before the
	// measure, which is of the language server.
	fake.Close()
	fake = nil
	// Background work (lingering model calls, a context refresh) lets go
	// of what it holds within moments.
	after := heapInuse()
	for i := 0; i < 50 && after > base+8<<20; i++ {
		time.Sleep(200 * time.Millisecond)
		after = heapInuse()
	}
	calls := s.srv.Engine().Stats.ModelCalls.Load()
	t.Logf("engine stats %v", s.srv.Engine().Stats.Snapshot())

	s.Shutdown()
	s.end(t)

	t.Logf("%d edits and %d completion requests across %d documents in %s: %d answered (%d with a suggestion), %d cancelled, %d model calls",
		edits.Load(), len(pending), len(docs), took.Round(time.Millisecond), answered, suggested, cancelled, calls)
	t.Logf("heap in use: %s before opening, peak %s, %s after closing", mb(base), mb(peak.Load()), mb(after))
	if answered+cancelled != len(pending) {
		t.Errorf("%d requests, %d answered or cancelled", len(pending), answered+cancelled)
	}
	if answered == 0 || cancelled == 0 {
		t.Errorf("the load did not exercise both answers (%d) and cancellations (%d)", answered, cancelled)
	}
	// Back to the baseline: what documents held is gone. The slack covers
	// the answer cache and the runtime's own bookkeeping.
	if after > base+8<<20 {
		t.Errorf("heap in use %s after closing every document, %s before opening them", mb(after), mb(base))
	}
	goleak.VerifyNone(t, goleakOpts...)
}

// heapInuse is the live heap after a full collection.
func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mb(n uint64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB" }
