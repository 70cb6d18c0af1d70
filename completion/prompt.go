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

// window is the local part of a prompt: the lines around the cursor.
type window struct {
	Prefix, Suffix string
	Start, End     int // byte range of the snapshot text the window covers
	Tokens         int
}

// cutWindow takes whole lines before the cursor (and the cursor line up to
// it) and lines after it, each side under its share of the budget.
func cutWindow(snap *workspace.Snapshot, offset int, b Budget) window {
	text := snap.Text
	prefixMax := int(float64(b.Tokens) * b.PrefixShare)
	suffixMax := int(float64(b.Tokens) * b.SuffixShare)

	// Prefix: walk back whole lines from the cursor line.
	curLine := lineOf(snap, offset)
	lineStart := snap.LineStart(curLine)
	used := tokens.Line(text[lineStart:offset])
	first := curLine
	for first > 0 {
		n := tokens.Line(strings.TrimRight(text[snap.LineStart(first-1):snap.LineStart(first)], "\r\n")) + 1
		if used+n > prefixMax {
			break
		}
		used += n
		first--
	}
	if first > 0 {
		// Snap forward to a stable boundary (dropping at most snapLines-1
		// lines), unless that would drop the cursor's own line.
		snapped := (first + snapLines - 1) / snapLines * snapLines
		if snapped <= curLine {
			for l := first; l < snapped; l++ {
				used -= tokens.Line(strings.TrimRight(text[snap.LineStart(l):snap.LineStart(l+1)], "\r\n")) + 1
			}
			first = snapped
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
		n := tokens.Line(strings.TrimRight(text[ls:le], "\r\n")) + 1
		if sUsed+n > suffixMax && l > curLine {
			break
		}
		sUsed += n
		end = le
	}
	return window{Prefix: text[start:offset], Suffix: text[offset:end], Start: start, End: end, Tokens: used + sUsed}
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
