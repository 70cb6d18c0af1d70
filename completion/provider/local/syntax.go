package local

import (
	"path/filepath"
	"strings"
)

// The n-gram contexts see at most five tokens back, so they cannot know
// which brackets are open: after `f(a, "text"` they rank a line break or
// a `}` about as high as the `)` the code needs. For Go, whose grammar
// makes some continuations plainly impossible, the engine tracks the open
// brackets along the token stream and gives no probability to a token
// that cannot come next:
//
//   - a closing bracket that does not match the innermost open one (or
//     any closing bracket when none is open);
//   - a line break inside ( or [ after a token that ends a statement (an
//     identifier, a literal, `)`, `]`, `}`, `++`, `--`, or one of the
//     keywords break, continue, fallthrough, return): Go would insert a
//     semicolon there, which is a syntax error inside brackets. The
//     parentheses of a declaration group (import, var, const, type) hold
//     statements and are exempt.
//
// Held-out code compiles, so the token that really comes next is never
// ruled out: the rules only take probability away from tokens that
// cannot be right. In the other languages whose brackets the lexers read
// reliably (syntaxRules) the closing-bracket rule holds too, and a line
// break just after a } inside ( or [ is a habit's exception; both only
// take 98 % of a token's probability, for the lexers can mistake a
// regular expression literal or a lifetime for an open bracket. C and
// C++ (preprocessor conditionals) and shell (case patterns) break even
// the bracket rule and are left alone.

// maxOpen is how many open brackets are remembered. Deeper nesting makes
// the state unknown until it is back within reach.
const maxOpen = 28

// group marks the parentheses of a Go declaration group.
const group = 'g'

// syntax is the bracket state at a position.
type syntax struct {
	open  [maxOpen]byte // the open brackets, innermost last: '(', '[', '{' or group
	depth int16         // brackets open; past maxOpen only counted
	// unknown is set when the text before the position was not read from
	// the file's start (a long prefix is cut), so brackets may be open
	// that the state does not know: closers past depth 0 are allowed.
	unknown bool
	ends    bool // the last token ends a statement
	decl    bool // the last token is import, var, const or type
	brace   bool // the last token is }
}

// symClass is what the bracket rules need to know of a symbol.
type symClass uint8

const (
	clOther  symClass = iota
	clEnds            // ends a statement: a newline after it is a semicolon
	clOpen            // ( [ {
	clClose           // ) ] }
	clNL              // a layout symbol
	clDeclKw          // import var const type
)

// classify returns s's class in Go.
func classify(s string) symClass {
	if s == "" {
		return clOther
	}
	switch s {
	case "(", "[", "{":
		return clOpen
	case ")", "]", "}":
		return clClose
	case "++", "--", "break", "continue", "fallthrough", "return":
		return clEnds
	case "import", "var", "const", "type":
		return clDeclKw
	}
	c := s[0]
	switch {
	case c == '\n':
		return clNL
	case isWordByte(c) || c == '"' || c == '\'' || c == '`':
		if goSpec().keywords[s] && s != "nil" && s != "true" && s != "false" {
			return clOther
		}
		return clEnds // identifier or literal
	}
	return clOther
}

// opener returns the opening bracket that closer s matches.
func opener(s string) byte {
	switch s {
	case ")":
		return '('
	case "]":
		return '['
	}
	return '{'
}

// allows reports whether a token of class cl and text s may come next.
func (y *syntax) allows(cl symClass, s string) bool {
	switch cl {
	case clClose:
		if y.depth == 0 {
			return y.unknown
		}
		if y.depth > maxOpen {
			return true
		}
		top := y.open[y.depth-1]
		if top == group {
			top = '('
		}
		return top == opener(s)
	case clNL:
		if !y.ends || y.depth == 0 || y.depth > maxOpen {
			return true
		}
		top := y.open[y.depth-1]
		return top != '(' && top != '['
	}
	return true
}

// after returns the state after a token of class cl and text s.
func (y syntax) after(cl symClass, s string) syntax {
	switch cl {
	case clOpen:
		if y.depth < maxOpen {
			b := s[0]
			if b == '(' && y.decl {
				b = group
			}
			y.open[y.depth] = b
		}
		y.depth++
	case clClose:
		if y.depth > 0 {
			y.depth--
		}
	}
	y.ends = cl == clEnds || cl == clClose
	y.decl = cl == clDeclKw
	y.brace = s == "}"
	return y
}

// syntaxOf returns the bracket state after ids; cut tells that ids do
// not start at the file's start.
func syntaxOf(ids []uint32, strs []string, cut bool) syntax {
	y := syntax{unknown: cut}
	for _, w := range ids {
		if int(w) < len(strs) {
			s := strs[w]
			y = y.after(classify(s), s)
		}
	}
	return y
}

// syntaxRules tells which of the rules hold for a file: all of them for
// Go; for the languages whose brackets the lexers read reliably, the
// bracket rule alone, softly (offRule); none for C and C++, whose
// preprocessor conditionals duplicate openers, shell, whose case patterns
// close what they never opened, and text of unknown kind. (Counted over
// every token of the evaluation corpora, the bracket rule rules out the
// real next token 0 times in 111 k of Python, 0 in 249 k of Lua, 11 in
// 173 k of TypeScript, 23 in 33 k of JavaScript (regular expression
// literals), 4 in 39 k of Ruby, 22 in 109 k of Rust (lifetimes) and 40
// in 87 k of PHP.)
func syntaxRules(languageID, path string) (on, goRules bool) {
	sp := specFor(languageID, path)
	switch sp {
	case goSpec():
		return true, true
	case pySpec(), rubySpec(), luaSpec():
		return true, false
	case cSpec():
		switch strings.ToLower(languageID) {
		case "c", "cpp", "c++", "objective-c", "objective-cpp":
			return false, false
		case "":
			switch strings.ToLower(filepath.Ext(path)) {
			case ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m":
				return false, false
			}
		}
		return true, false
	}
	return false, false
}

// braceInBrackets reports whether y is just past a } inside ( or [: a
// block closed inside a call's arguments, after which code outside Go may
// break the line (Go may not) but seldom does: the } of a callback is
// followed by the call's ")" on the same line.
func (y *syntax) braceInBrackets() bool {
	if !y.brace || y.depth == 0 || y.depth > maxOpen {
		return false
	}
	top := y.open[y.depth-1]
	return top == '(' || top == '['
}

// offRuleShare is what a token the bracket rule rules out keeps of its
// probability outside Go.
const offRuleShare = 0.02

// checkSyntax makes m check syntax, all of Go's rules when goRules and
// else the bracket rule alone; strs are the vocabulary's symbols.
func (e *Engine) checkSyntax(m *mix, strs []string, goRules bool) {
	m.strs, m.checks = strs, true
	m.ruled = m.ruled[:0]
	m.bracketsOnly, m.offRule = !goRules, 0
	if !goRules {
		m.offRule = offRuleShare
	}
	for id := e.firstNL; id <= e.lastNL; id++ {
		m.ruled = append(m.ruled, id)
	}
	e.vocab.mu.RLock()
	for _, s := range []string{")", "]", "}"} {
		if id, ok := e.vocab.ids[s]; ok && int(id) < len(strs) {
			m.ruled = append(m.ruled, id)
		}
	}
	e.vocab.mu.RUnlock()
}
