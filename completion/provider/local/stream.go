package local

import (
	"slices"
	"strings"
	"sync"
)

// The model sees symbols: the text of each code token, with comments
// dropped, and one layout symbol per line break that records how the
// indentation changes ("\n" same, "\n+" one level in, "\n--" two out) and
// whether a blank line came first (a second "\n"). Relative indentation
// lets an idiom learnt at one depth be produced at another; the layout
// state at the cursor turns it back into the file's own indentation.

const maxDedent = 8

var nlSyms = func() (t [2][maxDedent + 2]string) {
	for b := 0; b < 2; b++ {
		for i := range t[b] {
			d := i - maxDedent
			s := "\n"
			if b == 1 {
				s = "\n\n"
			}
			if d > 0 {
				s += "+"
			} else {
				s += strings.Repeat("-", -d)
			}
			t[b][i] = s
		}
	}
	return t
}()

func nlSym(delta int, blank bool) string {
	b := 0
	if blank {
		b = 1
	}
	delta = max(-maxDedent, min(1, delta))
	return nlSyms[b][delta+maxDedent]
}

func isNL(sym string) bool { return len(sym) > 0 && sym[0] == '\n' }

// nlDelta decodes a layout symbol.
func nlDelta(sym string) (delta int, blank bool) {
	blank = len(sym) > 1 && sym[1] == '\n'
	for i := 1; i < len(sym); i++ {
		switch sym[i] {
		case '+':
			delta++
		case '-':
			delta--
		}
	}
	return delta, blank
}

// layout tracks indentation like Python's tokenizer: a stack of the
// indentation strings of the enclosing levels.
type layout struct {
	stack []string
	unit  string // the last step in; used to indent generated lines
}

func newLayout(sp *spec) layout { return layout{stack: []string{""}, unit: sp.indentUnit} }

func (l *layout) top() string { return l.stack[len(l.stack)-1] }

// newline moves to a line indented by indent and returns the change in level.
func (l *layout) newline(indent string) int {
	top := l.top()
	if indent == top {
		return 0
	}
	if len(indent) > len(top) && strings.HasPrefix(indent, top) {
		l.unit = indent[len(top):]
		l.stack = append(l.stack, indent)
		return 1
	}
	d := 0
	for len(l.stack) > 1 && (len(l.top()) > len(indent) || !strings.HasPrefix(indent, l.top())) {
		l.stack = l.stack[:len(l.stack)-1]
		d--
	}
	if indent != l.top() {
		// Not a level seen before (continuation lines, odd alignment):
		// treat it as a new level in.
		l.stack = append(l.stack, indent)
		d++
	}
	return d
}

// apply is newline in reverse: the indentation a layout symbol produces.
func (l *layout) apply(delta int) string {
	switch {
	case delta > 0:
		l.stack = append(l.stack, l.top()+l.unit)
	case delta < 0:
		for ; delta < 0 && len(l.stack) > 1; delta++ {
			l.stack = l.stack[:len(l.stack)-1]
		}
	}
	return l.top()
}

func (l layout) clone() layout {
	l.stack = append([]string(nil), l.stack...)
	return l
}

// symbols converts tokens to model symbols. spaced[i] reports whether
// symbol i had horizontal space before it on the same line as symbol i-1.
// A line break still pending at the end (the input ends at the start of a
// line) is emitted, so that a prefix ending in "\n\t" yields its layout.
func symbols(toks []Token, lay *layout, syms []string, spaced []bool) ([]string, []bool) {
	pending := false
	breaks := 0
	indent := ""
	flush := func() {
		d := lay.newline(indent)
		syms = append(syms, nlSym(d, breaks > 1))
		spaced = append(spaced, false)
		pending, breaks = false, 0
	}
	for _, t := range toks {
		switch t.Kind {
		case Comment, End:
			continue
		case Newline:
			pending = true
			// Only an empty line counts as blank, not a comment line.
			breaks = max(breaks, strings.Count(t.Text, "\n"))
			indent = t.Text[strings.LastIndexByte(t.Text, '\n')+1:]
			// "\r\n" files: the \r belongs to the break, not the indent.
			indent = strings.TrimLeft(indent, "\r")
			continue
		}
		if pending {
			flush()
		}
		syms = append(syms, t.Text)
		spaced = append(spaced, t.Space != "")
	}
	if pending {
		flush()
	}
	return syms, spaced
}

// vocab interns symbols. Ids start at 1.
type vocab struct {
	mu   sync.RWMutex
	ids  map[string]uint32
	strs []string
	size int64 // bytes of symbol text
}

func newVocab() *vocab {
	return &vocab{ids: make(map[string]uint32), strs: []string{""}}
}

// intern maps syms to ids, adding new symbols.
func (v *vocab) intern(syms []string, out []uint32) []uint32 {
	base := len(out)
	v.mu.RLock()
	missing := false
	for _, s := range syms {
		id, ok := v.ids[s]
		if !ok {
			missing = true
			break
		}
		out = append(out, id)
	}
	v.mu.RUnlock()
	if !missing {
		return out
	}
	done := len(out) - base
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range syms[done:] {
		id, ok := v.ids[s]
		if !ok && len(v.strs) > maxToken {
			id, ok = maxToken, true // the trie keys hold 24-bit ids
		}
		if !ok {
			s = strings.Clone(s) // don't pin the whole source text
			id = uint32(len(v.strs))
			v.strs = append(v.strs, s)
			v.ids[s] = id
			v.size += int64(len(s))
		}
		out = append(out, id)
	}
	return out
}

func (v *vocab) len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.strs)
}

func (v *vocab) bytes() int64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	// Per symbol: its string in strs (16 bytes, and append's slack), a
	// map slot (about 28 bytes at the map's load), the text rounded up
	// to an allocation size class.
	return v.size + int64(cap(v.strs))*16 + int64(len(v.strs))*(28+8)
}

// spacing learns whether a space goes between two symbols, so generated
// tokens can be joined the way this code base writes them. The counts of
// each pair live on its two-token n-gram (level 2 of a trie); these are
// the fallbacks for pairs never seen, per symbol.
type spacing struct {
	before []uint32 // per symbol id: spaced<<16 | unspaced, each saturating
	after  []uint32
}

func newSpacing() *spacing { return &spacing{} }

func incr(v uint32, spaced bool) uint32 {
	if spaced {
		if v>>16 < 0xffff {
			v += 1 << 16
		}
	} else if v&0xffff < 0xffff {
		v++
	}
	return v
}

func pairKey(prev, cur uint32) uint64 { return uint64(prev)<<32 | uint64(cur) }

// observe records the spacing of one same-line pair.
func (s *spacing) observe(prev, cur uint32, spaced bool) {
	if n := int(max(prev, cur)) + 1; len(s.before) < n {
		s.before = slices.Grow(s.before, n-len(s.before))[:n]
		s.after = slices.Grow(s.after, n-len(s.after))[:n]
	}
	s.before[cur] = incr(s.before[cur], spaced)
	s.after[prev] = incr(s.after[prev], spaced)
}

// space decides whether to put a space between prev and cur, given the
// pair's own counts (spaced<<16 | unspaced, 0 if never seen).
func (s *spacing) space(pair, prev, cur uint32, prevText, curText string) bool {
	if pair != 0 {
		return pair>>16 > pair&0xffff
	}
	var sp, n uint32
	if int(cur) < len(s.before) {
		sp, n = sp+s.before[cur]>>16, n+s.before[cur]&0xffff
	}
	if int(prev) < len(s.after) {
		sp, n = sp+s.after[prev]>>16, n+s.after[prev]&0xffff
	}
	if sp+n > 0 {
		return sp > n
	}
	// Nothing learnt: separate two words and what follows a comma, join
	// everything else.
	return (wordy(prevText) && wordy(curText)) || prevText == "," || prevText == ";"
}

func wordy(s string) bool { return s != "" && isWordByte(s[len(s)-1]) && isWordByte(s[0]) }

func (s *spacing) bytes() int64 { return int64(cap(s.before)+cap(s.after)) * 4 }
