package completion

import (
	"path/filepath"
	"strings"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
)

// Budget splits the prompt's token budget. The suffix gets a fixed share,
// as Copilot's 15%; the prefix window may take up to PrefixShare; extra
// context gets what the local windows leave.
type Budget struct {
	Tokens      int
	SuffixShare float64
	PrefixShare float64
}

// DefaultBudget fits the small local models Inkling is usually pointed at.
var DefaultBudget = Budget{Tokens: 2048, SuffixShare: 0.05, PrefixShare: 0.5}

// snapLines is the granularity of the prefix window's first line. Moving the
// window one line per typed line would change the prompt's beginning at
// every newline and throw away the model server's KV cache; snapping keeps
// consecutive prompts byte-identical up to the cursor.
const snapLines = 32

// roomLines is the step by which a new window start moves past the snapped
// line to leave the prefix room to grow.
const roomLines = 8

// window is the local part of a prompt: the lines around the cursor.
type window struct {
	Prefix, Suffix string
	Start, End     int // byte range of the snapshot text the window covers
	First          int // the line the prefix starts at
	Tokens         int
	PrefixTokens   int
}

// cutWindow is cutWindowAt with no previous window to keep.
func cutWindow(snap *workspace.Snapshot, offset int, b Budget) window {
	return cutWindowAt(snap, offset, b, -1)
}

// cutWindowAt takes whole lines before the cursor (and the cursor line up to
// it) and lines after it, each side under its share of the budget. anchor,
// when ≥ 0, is the first line of the previous window of this document: it
// is kept while the prefix from it still fits and the cursor is below it,
// so that moving around inside the window, or typing down it, does not
// change the prompt's beginning. A new first line is a multiple of
// snapLines, moved on by roomLines steps until an eighth of the prefix
// budget is left to grow into.
func cutWindowAt(snap *workspace.Snapshot, offset int, b Budget, anchor int) window {
	text := snap.Text
	prefixMax := int(float64(b.Tokens) * b.PrefixShare)
	suffixMax := int(float64(b.Tokens) * b.SuffixShare)

	// Prefix: walk back whole lines from the cursor line.
	curLine := lineOf(snap, offset)
	lineStart := snap.LineStart(curLine)
	used := tokens.Guess(text[lineStart:offset])
	lineTokens := func(l int) int {
		return tokens.Line(strings.TrimRight(text[snap.LineStart(l):snap.LineStart(l+1)], "\r\n")) + 1
	}
	// No further back than a kept first line: if the prefix from it fits,
	// it is the window's start whatever lies before it.
	stop := 0
	if anchor >= 0 && anchor <= curLine {
		stop = anchor
	}
	first := curLine
	for first > stop {
		n := lineTokens(first - 1)
		if used+n > prefixMax {
			break
		}
		used += n
		first--
	}
	drop := func(to int) {
		for l := first; l < to; l++ {
			used -= lineTokens(l)
		}
		first = to
	}
	switch {
	case anchor >= first && anchor <= curLine:
		drop(anchor)
	case first > 0:
		// Snap forward to a stable boundary, unless that would drop the
		// cursor's own line; further while the prefix would leave no
		// room to grow.
		snapped := (first + snapLines - 1) / snapLines * snapLines
		if snapped <= curLine {
			drop(snapped)
			for first+roomLines <= curLine && used > prefixMax*7/8 {
				drop(first + roomLines)
			}
		}
	}
	start := snap.LineStart(first)

	// Suffix: the rest of the cursor line, then whole lines.
	end := offset
	sUsed := 0
	for l := curLine; l < snap.LineCount(); l++ {
		ls, le := snap.LineStart(l), len(text)
		if l+1 < snap.LineCount() {
			le = snap.LineStart(l + 1)
		}
		if ls < offset {
			ls = offset
		}
		count := tokens.Line
		if ls == offset {
			count = tokens.Guess // the rest of the cursor's line
		}
		n := count(strings.TrimRight(text[ls:le], "\r\n")) + 1
		if sUsed+n > suffixMax && l > curLine {
			break
		}
		sUsed += n
		end = le
	}
	return window{Prefix: text[start:offset], Suffix: text[offset:end], Start: start, End: end, First: first, Tokens: used + sUsed, PrefixTokens: used}
}

func lineOf(snap *workspace.Snapshot, offset int) int {
	lo, hi := 0, snap.LineCount()-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if snap.LineStart(mid) <= offset {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// relPath is the path the model sees: relative to the workspace folder that
// holds the file, so that it means something and leaks no home directory.
func relPath(path string, roots []string) string {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}

// buildPrompt assembles the prompt the provider will spell: local windows
// plus the gathered snippets.
func buildPrompt(snap *workspace.Snapshot, w window, roots []string, snippets []provider.Snippet, shape Shape, maxTokens int) provider.Prompt {
	p := provider.Prompt{
		Path:      relPath(snap.Path, roots),
		Language:  langID(snap),
		Context:   snippets,
		Prefix:    w.Prefix,
		Suffix:    w.Suffix,
		Multiline: shape.Multiline,
		MaxTokens: maxTokens,
	}
	if !shape.Multiline {
		p.Stop = []string{"\n"}
		if p.MaxTokens > 128 {
			p.MaxTokens = 128
		}
	}
	return p
}
