package completion

import (
	"strings"
)

// maxAnswerLines caps a multi-line answer: past this, a suggestion is more
// to read than to accept.
const maxAnswerLines = 40

// cutter watches an answer as it streams and says where it ends: at the
// first newline for a single-line answer, where the block ends for a
// multi-line one. Stopping early matters: every token after the end is model
// time the user waits for and throws away.
type cutter struct {
	shape Shape
	lang  string
	buf   strings.Builder
	kept  int // length of buf that belongs to the answer, once done
	done  bool
}

func newCutter(s Shape, lang string) *cutter { return &cutter{shape: s, lang: lang} }

// feed adds a piece of the stream and reports whether the answer is complete.
func (c *cutter) feed(chunk string) bool {
	if c.done {
		return true
	}
	start := c.buf.Len()
	c.buf.WriteString(chunk)
	text := c.buf.String()
	if !c.shape.Multiline {
		if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
			c.kept = start + i
			c.done = true
		}
		return c.done
	}
	// Check each line completed by this chunk (the first line is the rest
	// of the cursor line and never ends the block).
	lineStart := strings.LastIndexByte(text[:start], '\n') + 1
	for {
		i := strings.IndexByte(text[lineStart:], '\n')
		if i < 0 {
			return false
		}
		end := lineStart + i
		if lineStart > 0 && c.endsBlock(text, lineStart, end) {
			return true
		}
		if strings.Count(text[:end], "\n") >= maxAnswerLines {
			c.kept, c.done = end, true
			return true
		}
		lineStart = end + 1
	}
}

// endsBlock decides at a completed line [ls, le) whether the block is over,
// and sets kept.
func (c *cutter) endsBlock(text string, ls, le int) bool {
	line := strings.TrimRight(text[ls:le], "\r")
	if strings.TrimSpace(line) == "" {
		return false
	}
	if indentWidth(line) > c.shape.BaseIndent {
		return false
	}
	// The line is back at the opener's depth. A closer that the suffix
	// does not already have is part of the answer; anything else is not.
	if isCloser(line) && !closedInSuffix(line, c.shape.NextLine) {
		c.kept = le
	} else {
		c.kept = ls - 1
	}
	// Python and other indentation languages have no closer line: a line
	// at the opener's depth is always the next statement.
	if c.lang == "python" && !isCloser(line) {
		c.kept = ls - 1
	}
	c.done = true
	return true
}

func isCloser(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	if t == "end" || strings.HasPrefix(t, "end ") || t == "fi" || t == "done" || t == "esac" {
		return true
	}
	switch t[0] {
	case '}', ')', ']':
		return true
	}
	return false
}

func closedInSuffix(closer, next string) bool {
	return strings.TrimSpace(next) != "" && strings.HasPrefix(strings.TrimSpace(next), strings.TrimSpace(closer)[:1]) &&
		indentWidth(next) == indentWidth(closer)
}

// end tells the cutter the stream is over, so the last line, which no
// newline will complete, is judged like the others.
func (c *cutter) end() {
	if !c.done && c.shape.Multiline {
		c.feed("\n")
		if !c.done {
			c.kept, c.done = c.buf.Len()-1, true
		}
	}
}

// answer is the text kept so far; after the stream ends, it is all of it
// unless feed already found the end.
func (c *cutter) answer() string {
	if c.done {
		return c.buf.String()[:c.kept]
	}
	return c.buf.String()
}

// visible is what can be shown while streaming: complete lines of the answer
// (and the first line as it grows), never a line that may yet be cut.
func (c *cutter) visible() string {
	if c.done {
		return c.answer()
	}
	t := c.buf.String()
	if !c.shape.Multiline {
		return t
	}
	if i := strings.LastIndexByte(t, '\n'); i >= 0 {
		return t[:i]
	}
	return t
}

// finish cleans a complete answer. It returns "" when there is nothing worth
// showing: empty, the next line again, or a loop.
func finish(ans string, s Shape) string {
	ans = strings.TrimRight(ans, " \t\r\n")
	if strings.TrimSpace(ans) == "" {
		return ""
	}
	ans = cutRepetition(ans)
	lines := strings.Split(ans, "\n")
	if !s.Multiline || len(lines) == 1 {
		// Drop what the rest of the line already has (closing brackets).
		after := strings.TrimSpace(s.LineAfter)
		for k := len(after); k > 0; k-- {
			if strings.HasSuffix(ans, after[:k]) {
				ans = strings.TrimRight(ans[:len(ans)-k], " \t")
				break
			}
		}
		if strings.TrimSpace(ans) == "" {
			return ""
		}
		full := strings.TrimSpace(s.LineBefore + ans + s.LineAfter)
		if s.LineAfter == "" && full == strings.TrimSpace(s.NextLine) {
			return "" // the model repeated the next line
		}
		return ans
	}
	// Multi-line: the first non-empty line must not just repeat the line
	// that follows the cursor.
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if strings.TrimSpace(l) == strings.TrimSpace(s.NextLine) && !isCloser(l) {
			return ""
		}
		break
	}
	return ans
}

// cutRepetition cuts a runaway loop: the same non-blank line three times in
// a row is kept once.
func cutRepetition(ans string) string {
	lines := strings.Split(ans, "\n")
	run := 1
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t != "" && t == strings.TrimSpace(lines[i-1]) {
			run++
			if run >= 3 {
				return strings.Join(lines[:i-1], "\n")
			}
		} else {
			run = 1
		}
	}
	return ans
}
