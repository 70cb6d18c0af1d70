package local

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
// cannot be right. Other languages are left alone; their grammars (shell
// case patterns, preprocessor conditionals) break such simple rules.

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

// checkSyntax makes m check Go syntax; strs are the vocabulary's symbols.
func (e *Engine) checkSyntax(m *mix, strs []string) {
	m.strs = strs
	m.ruled = m.ruled[:0]
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
