// Package neighbors finds the windows of open tabs most like the code before
// the cursor, as Copilot does: tabs of the same language, most recently used
// first, cut into fixed windows of lines, scored by the Jaccard similarity of
// their word sets to the lines before the cursor, the best window of each
// tab kept.
package neighbors

import (
	"sort"
	"strings"
	"sync"
)

// Tab is an open buffer.
type Tab struct {
	URI        string
	Path       string
	LanguageID string
	Version    int32
	Text       string
}

// Options are the knobs of the method; Copilot's values are the defaults.
type Options struct {
	MaxTabs      int // most recently used tabs considered (20)
	WindowLines  int // lines per window, and lines before the cursor compared (60)
	MaxWindows   int // windows returned (4)
	MaxFileChars int // tabs this long or longer are skipped; 0: no limit (Copilot: 10,000)
	MaxLines     int // lines of a tab scanned, around its middle; 0: all
	// Local is the text the prompt already shows; a window whose lines
	// mostly appear in it is dropped. Empty: no check.
	Local string
}

// Copilot are the options of Copilot's own implementation.
var Copilot = Options{MaxTabs: 20, WindowLines: 60, MaxWindows: 4, MaxFileChars: 10000}

// Window is a run of lines of a tab.
type Window struct {
	Path      string
	StartLine int // zero-based
	Text      string
	Score     float64
}

// Find returns the best windows of tabs (most recently used first, the
// current buffer excluded by the caller or by URI) for the cursor at offset
// in text, best first.
func Find(uri, languageID, text string, offset int, tabs []Tab, o Options) []Window {
	if o.WindowLines <= 0 {
		o.WindowLines = 60
	}
	ref := referenceSet(text[:offset], o.WindowLines)
	if len(ref) == 0 {
		return nil
	}
	lang := normalize(languageID)
	var local map[string]bool
	if o.Local != "" {
		local = map[string]bool{}
		for l := range strings.Lines(o.Local) { // no slice of every line
			if t := strings.TrimSpace(l); t != "" {
				local[t] = true
			}
		}
	}

	counts := getCounts()
	defer putCounts(counts)
	var out []Window
	n := 0
	for _, t := range tabs {
		if t.URI == uri || normalize(t.LanguageID) != lang {
			continue
		}
		if o.MaxTabs > 0 && n >= o.MaxTabs {
			break
		}
		n++
		if o.MaxFileChars > 0 && len(t.Text) >= o.MaxFileChars {
			continue
		}
		lines := tabLines(t)
		from, to := 0, len(lines)
		if o.MaxLines > 0 && to > o.MaxLines {
			from = (to - o.MaxLines) / 2
			to = from + o.MaxLines
		}
		best, bestAt := bestWindow(lines[from:to], ref, o.WindowLines, counts)
		if best <= 0 {
			continue
		}
		bestAt += from
		end := bestAt + o.WindowLines
		if end > len(lines) {
			end = len(lines)
		}
		w := Window{Path: t.Path, StartLine: bestAt, Score: best, Text: lineSpan(t.Text, bestAt, end)}
		if local != nil && repeats(w.Text, local) {
			continue
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if o.MaxWindows > 0 && len(out) > o.MaxWindows {
		out = out[:o.MaxWindows]
	}
	return out
}

// repeats reports whether most of a window's lines are in the local window.
func repeats(text string, local map[string]bool) bool {
	n, in := 0, 0
	for l := range strings.Lines(text) {
		t := strings.TrimSpace(l)
		if len(t) < 4 { // braces and blank lines say nothing
			continue
		}
		n++
		if local[t] {
			in++
		}
	}
	return n > 0 && in*2 > n
}

// bestWindow slides a window of w lines over the tab one line at a time,
// keeping the set sizes up to date as lines enter and leave, and returns the
// best Jaccard score and where it starts.
func bestWindow(lines [][]uint32, ref map[uint32]bool, w int, pc *[]int32) (float64, int) {
	for _, l := range lines {
		for _, id := range l {
			if int(id) >= len(*pc) {
				*pc = append(*pc, make([]int32, int(id)+1-len(*pc))...)
			}
		}
	}
	counts := *pc
	size, inter := 0, 0
	enter := func(l []uint32) {
		for _, id := range l {
			counts[id]++
			if counts[id] == 1 {
				size++
				if ref[id] {
					inter++
				}
			}
		}
	}
	leave := func(l []uint32) {
		for _, id := range l {
			counts[id]--
			if counts[id] == 0 {
				size--
				if ref[id] {
					inter--
				}
			}
		}
	}
	best, at := 0.0, 0
	score := func(start int) {
		if union := len(ref) + size - inter; union > 0 {
			if s := float64(inter) / float64(union); s > best {
				best, at = s, start
			}
		}
	}
	for i, l := range lines {
		enter(l)
		if i >= w {
			leave(lines[i-w])
		}
		if i >= w-1 {
			score(i - w + 1)
		}
	}
	if len(lines) < w {
		score(0)
	}
	// Leave counts zeroed for the next tab.
	start := len(lines) - w
	if start < 0 {
		start = 0
	}
	for _, l := range lines[start:] {
		for _, id := range l {
			counts[id] = 0
		}
	}
	return best, at
}

func lineSpan(text string, from, to int) string {
	i := 0
	for n := 0; n < from && i < len(text); i++ {
		if text[i] == '\n' {
			n++
		}
	}
	j := i
	for n := from; n < to && j < len(text); j++ {
		if text[j] == '\n' {
			n++
		}
	}
	return strings.TrimRight(text[i:j], "\n")
}

// referenceSet is the word set of the last n lines of before.
func referenceSet(before string, n int) map[uint32]bool {
	i := len(before)
	for k := 0; k < n && i > 0; {
		i--
		if before[i] == '\n' {
			k++
		}
	}
	set := map[uint32]bool{}
	for _, id := range words(before[i:], nil) {
		set[id] = true
	}
	return set
}

// The token vocabulary is shared and only grows; it is small (the distinct
// words of the open tabs).
var (
	vocabMu sync.RWMutex
	vocab   = map[string]uint32{}
)

func intern(w string) uint32 {
	vocabMu.RLock()
	id, ok := vocab[w]
	vocabMu.RUnlock()
	if ok {
		return id
	}
	vocabMu.Lock()
	defer vocabMu.Unlock()
	if id, ok := vocab[w]; ok {
		return id
	}
	id = uint32(len(vocab))
	vocab[strings.Clone(w)] = id
	return id
}

// words splits s into Copilot's word tokens (runs of ASCII letters and
// digits), drops stop words, and returns each distinct one once.
func words(s string, out []uint32) []uint32 {
	seen := map[uint32]bool{}
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		w := s[i:j]
		i = j
		if stop[w] {
			continue
		}
		id := intern(w)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// Per-tab word lists, cached by URI and version: tabs change far less often
// than the cursor moves.
var (
	tabsMu sync.Mutex
	tabsC  = map[string]tabEntry{}
)

type tabEntry struct {
	version int32
	n       int
	lines   [][]uint32
}

const maxCachedTabs = 256

func tabLines(t Tab) [][]uint32 {
	tabsMu.Lock()
	e, ok := tabsC[t.URI]
	tabsMu.Unlock()
	if ok && e.version == t.Version && e.n == len(t.Text) {
		return e.lines
	}
	var lines [][]uint32
	for _, l := range strings.Split(t.Text, "\n") {
		lines = append(lines, words(l, nil))
	}
	tabsMu.Lock()
	if len(tabsC) >= maxCachedTabs {
		clear(tabsC)
	}
	tabsC[t.URI] = tabEntry{version: t.Version, n: len(t.Text), lines: lines}
	tabsMu.Unlock()
	return lines
}

var countsPool = sync.Pool{New: func() any { return new([]int32) }}

func getCounts() *[]int32 {
	c := countsPool.Get().(*[]int32)
	vocabMu.RLock()
	n := len(vocab)
	vocabMu.RUnlock()
	if len(*c) < n {
		*c = make([]int32, n+n/4+1024)
	}
	return c
}

func putCounts(c *[]int32) { countsPool.Put(c) }

// normalize maps languages Copilot treats as one.
func normalize(id string) string {
	switch id {
	case "javascriptreact", "jsx":
		return "javascript"
	case "typescriptreact", "tsx":
		return "typescript"
	case "c":
		return "cpp"
	}
	return id
}

// stop are words too common to say two windows are alike: keywords of the
// usual languages and English function words.
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a an and are as at be but by for from has have he if in is it its not of on or she that the their then there
		these they this to was we were which will with you your
		break case catch class const continue debug default delete do else enum export extends false finally for
		function if implements import in instanceof interface let new null package private protected public return
		static super switch this throw true try typeof var void while with yield await async of
		func go defer chan map struct type range select fallthrough goto nil err string int bool byte error
		def elif except lambda pass raise None True False self print from
		fn impl mut pub use mod crate trait where match loop ref
		`) {
		m[w] = true
	}
	return m
}()
