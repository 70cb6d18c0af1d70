package local

import (
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Kind is the lexical class of a token.
type Kind uint8

const (
	Word    Kind = iota // identifier or keyword
	Number              // numeric literal
	String              // string or character literal
	Punct               // operator or delimiter
	Comment             // comment, dropped before modelling
	Newline             // one or more line breaks and the next line's indentation
	End                 // trailing spaces at end of input, empty Text
)

// Token is one lexeme. Space is the horizontal whitespace before it, so
// concatenating Space+Text over all tokens gives back the input exactly.
type Token struct {
	Kind  Kind
	Open  bool // string or comment not closed before the end of input (or line)
	Space string
	Text  string
}

// spec describes a language family to the shared lexer. Every field is a
// plain table lookup so that lexing needs no regular expressions.
type spec struct {
	name          string
	lineComments  []string
	blockComments [][2]string
	quotes        string // quote bytes with backslash escapes, closed by end of line
	multiQuotes   string // quote bytes whose strings may span lines (escapes allowed)
	rawQuotes     string // quote bytes whose strings may span lines, no escapes
	triple        bool   // Python """ and '''
	strPrefix     map[string]bool
	identStart    string // extra bytes that may start or continue an identifier
	wordSuffix    string // bytes that may end an identifier (Ruby's ? and !)
	hashNeedsGap  bool   // '#' starts a comment only after whitespace (shell)
	luaLong       bool   // Lua [[...]] strings and --[[...]] comments
	lifetimes     bool   // a ' that does not close soon is punctuation (Rust 'a)
	ops           [256][]string
	indentUnit    string          // default indentation step when the file shows none
	keywords      map[string]bool // reserved words: not identifiers, see Engine.absFor
}

func newSpec(s spec, ops string, keywords string) *spec {
	s.keywords = make(map[string]bool)
	for _, k := range strings.Fields(keywords) {
		s.keywords[k] = true
	}
	list := strings.Fields(ops)
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	for _, op := range list {
		s.ops[op[0]] = append(s.ops[op[0]], op)
	}
	return &s
}

const cOps = "<<= >>= >>>= === !== ... ** **= -> => :: && || ++ -- == != <= >= += -= *= /= %= &= |= ^= << >> ?? ?. ??="

// The lexers' tables, built on first use: built at init, they cost every
// start of the binary 0.4 ms before it could answer initialize.
var (
	goSpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:          "go",
			lineComments:  []string{"//"},
			blockComments: [][2]string{{"/*", "*/"}},
			quotes:        `"'`,
			rawQuotes:     "`",
			indentUnit:    "\t",
		}, "<<= >>= &^= ... && || <- ++ -- == != <= >= := += -= *= /= %= &= |= ^= << >> &^", "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false")
	})
	cSpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:          "c",
			lineComments:  []string{"//"},
			blockComments: [][2]string{{"/*", "*/"}},
			quotes:        `"'`,
			multiQuotes:   "`",
			identStart:    "$",
			lifetimes:     true,
			indentUnit:    "    ",
		}, cOps, "abstract as async await auto break case catch char class const continue default delete do double else enum export extends extern false final finally float fn for function if impl implements import in instanceof int interface let long match mod module mut namespace new null package private protected pub public return self short signed sizeof static struct super switch this throw throws true try typedef typeof union unsigned use var void volatile where while yield")
	})
	pySpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:         "python",
			lineComments: []string{"#"},
			quotes:       `"'`,
			triple:       true,
			strPrefix: map[string]bool{"r": true, "b": true, "f": true, "u": true, "rb": true, "br": true,
				"fr": true, "rf": true, "R": true, "B": true, "F": true, "U": true},
			indentUnit: "    ",
		}, "**= //= >>= <<= ... -> ** // << >> <= >= == != += -= *= /= %= &= |= ^= := @=", "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return self try while with yield")
	})
	rubySpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:          "ruby",
			lineComments:  []string{"#"},
			blockComments: [][2]string{{"=begin", "=end"}},
			quotes:        `"'`,
			multiQuotes:   "`",
			identStart:    "@$",
			wordSuffix:    "?!",
			indentUnit:    "  ",
		}, "**= <=> === ... .. ** && || << >> <= >= == != =~ !~ += -= *= /= %= ||= &&= :: -> =>", "BEGIN END alias and begin break case class def defined? do else elsif end ensure false for if in module next nil not or redo rescue retry return self super then true undef unless until when while yield")
	})
	luaSpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:         "lua",
			lineComments: []string{"--"},
			quotes:       `"'`,
			luaLong:      true,
			indentUnit:   "  ",
		}, "... .. == ~= <= >= // :: << >>", "and break do else elseif end false for function goto if in local nil not or repeat return then true until while")
	})
	shSpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:         "shell",
			lineComments: []string{"#"},
			quotes:       `"'`,
			multiQuotes:  "`",
			identStart:   "$",
			hashNeedsGap: true,
			indentUnit:   "  ",
		}, "&& || ;; << >> <= >= == != $( ${ $(( )) [[ ]] |& &> >& 2>", "case do done elif else esac fi for function if in select then until while local export return")
	})
	genericSpec = sync.OnceValue(func() *spec {
		return newSpec(spec{
			name:         "generic",
			lineComments: []string{"//", "#"},
			quotes:       `"'`,
			indentUnit:   "    ",
		}, "&& || == != <= >= -> => :: += -= ++ --", "break case class const continue default do else false for function if import in let new null return self switch this true var while")
	})
)

// specFor picks the lexer for an LSP languageId, falling back to the file
// extension when the id is empty or unknown.
func specFor(languageID, path string) *spec {
	switch strings.ToLower(languageID) {
	case "go":
		return goSpec()
	case "c", "cpp", "c++", "objective-c", "objective-cpp", "java", "javascript", "javascriptreact",
		"typescript", "typescriptreact", "csharp", "rust", "php", "kotlin", "scala", "swift", "dart", "zig":
		return cSpec()
	case "python":
		return pySpec()
	case "ruby":
		return rubySpec()
	case "lua":
		return luaSpec()
	case "shellscript", "bash", "sh", "zsh":
		return shSpec()
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".go":
		return goSpec()
	case ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".java", ".js", ".jsx", ".mjs", ".cjs",
		".ts", ".tsx", ".mts", ".cs", ".rs", ".php", ".kt", ".scala", ".swift", ".dart", ".zig", ".m":
		return cSpec()
	case ".py", ".pyi":
		return pySpec()
	case ".rb", ".rake":
		return rubySpec()
	case ".lua":
		return luaSpec()
	case ".sh", ".bash", ".zsh":
		return shSpec()
	}
	return genericSpec()
}

// Lex splits src into tokens for the given language. It never fails:
// anything it does not recognise becomes a one-byte Punct token.
func Lex(languageID, path, src string) []Token {
	return lex(specFor(languageID, path), src, nil)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z') || isDigit(c)
}

func lex(sp *spec, src string, out []Token) []Token {
	i := 0
	n := len(src)
	for i < n {
		// Horizontal whitespace belongs to the next token.
		start := i
		for i < n && isSpace(src[i]) {
			i++
		}
		space := src[start:i]
		if i == n {
			out = append(out, Token{Kind: End, Space: space})
			break
		}
		j, kind, open := scan(sp, src, i, len(space) > 0 || i == 0 || src[i-1] == '\n')
		out = append(out, Token{Kind: kind, Open: open, Space: space, Text: src[i:j]})
		i = j
	}
	return out
}

// scan returns the end of the token starting at i.
func scan(sp *spec, src string, i int, afterGap bool) (end int, kind Kind, open bool) {
	n := len(src)
	c := src[i]
	if c == '\n' {
		j := i + 1
		for j < n && (src[j] == '\n' || isSpace(src[j])) {
			j++
		}
		return j, Newline, false
	}
	// Comments.
	if sp.luaLong && strings.HasPrefix(src[i:], "--[") {
		if j, ok := luaLongBracket(src, i+2); ok {
			return j, Comment, false
		} else if j > 0 {
			return n, Comment, true
		}
	}
	for _, bc := range sp.blockComments {
		if strings.HasPrefix(src[i:], bc[0]) {
			k := strings.Index(src[i+len(bc[0]):], bc[1])
			if k < 0 {
				return n, Comment, true
			}
			return i + len(bc[0]) + k + len(bc[1]), Comment, false
		}
	}
	for _, lc := range sp.lineComments {
		if strings.HasPrefix(src[i:], lc) && (lc != "#" || !sp.hashNeedsGap || afterGap) {
			k := strings.IndexByte(src[i:], '\n')
			if k < 0 {
				return n, Comment, true
			}
			return i + k, Comment, false
		}
	}
	// Strings.
	if sp.triple && (strings.HasPrefix(src[i:], `"""`) || strings.HasPrefix(src[i:], `'''`)) {
		k := strings.Index(src[i+3:], src[i:i+3])
		if k < 0 {
			return n, String, true
		}
		return i + 3 + k + 3, String, false
	}
	if sp.luaLong && c == '[' {
		if j, ok := luaLongBracket(src, i); ok {
			return j, String, false
		} else if j > 0 {
			return n, String, true
		}
	}
	if c == '\'' && sp.lifetimes && !charLiteral(src, i) {
		return i + 1, Punct, false // Rust lifetime or label
	}
	if strings.IndexByte(sp.quotes, c) >= 0 {
		return scanQuoted(src, i, c, true, false)
	}
	if strings.IndexByte(sp.multiQuotes, c) >= 0 {
		return scanQuoted(src, i, c, true, true)
	}
	if strings.IndexByte(sp.rawQuotes, c) >= 0 {
		return scanQuoted(src, i, c, false, true)
	}
	// Numbers.
	if isDigit(c) || (c == '.' && i+1 < n && isDigit(src[i+1])) {
		j := i + 1
		for j < n {
			d := src[j]
			if isWordByte(d) {
				j++
			} else if d == '.' && j+1 < n && isDigit(src[j+1]) {
				j++
			} else if (d == '+' || d == '-') && (src[j-1]|0x20 == 'e' || src[j-1]|0x20 == 'p') &&
				!strings.HasPrefix(src[i:], "0x") && !strings.HasPrefix(src[i:], "0X") {
				j++
			} else {
				break
			}
		}
		return j, Number, false
	}
	// Words.
	if isWordByte(c) || (strings.IndexByte(sp.identStart, c) >= 0 && i+1 < n && isWordByte(src[i+1])) {
		j := i + 1
		for j < n && isWordByte(src[j]) {
			j++
		}
		if sp.strPrefix != nil && j < n && (src[j] == '"' || src[j] == '\'') && sp.strPrefix[src[i:j]] {
			if sp.triple && strings.HasPrefix(src[j:], src[j:j+1]+src[j:j+1]+src[j:j+1]) {
				k := strings.Index(src[j+3:], src[j:j+3])
				if k < 0 {
					return n, String, true
				}
				return j + 3 + k + 3, String, false
			}
			return scanQuoted(src, j, src[j], src[i] != 'r' && src[i] != 'R', false)
		}
		if j < n && strings.IndexByte(sp.wordSuffix, src[j]) >= 0 && (j+1 >= n || src[j+1] != '=') {
			j++
		}
		return j, Word, false
	}
	for _, op := range sp.ops[c] {
		if strings.HasPrefix(src[i:], op) {
			return i + len(op), Punct, false
		}
	}
	return i + 1, Punct, false
}

// scanQuoted scans a literal opened by quote q at src[i].
func scanQuoted(src string, i int, q byte, escapes, multiline bool) (int, Kind, bool) {
	n := len(src)
	j := i + 1
	for j < n {
		d := src[j]
		switch {
		case d == q:
			return j + 1, String, false
		case d == '\\' && escapes:
			j += 2
			continue
		case d == '\n' && !multiline:
			return j, String, true
		}
		j++
	}
	return n, String, true
}

// luaLongBracket matches [[...]] or [==[...]==] at src[i]. It reports the
// end and true when closed; a positive end and false when opened but not
// closed; 0 and false when src[i] does not open a long bracket.
func luaLongBracket(src string, i int) (int, bool) {
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j >= len(src) || src[j] != '[' {
		return 0, false
	}
	closer := "]" + strings.Repeat("=", j-i-1) + "]"
	k := strings.Index(src[j+1:], closer)
	if k < 0 {
		return len(src), false
	}
	return j + 1 + k + len(closer), true
}

// charLiteral reports whether the ' at src[i] closes within a character
// literal's reach on the same line.
func charLiteral(src string, i int) bool {
	for j := i + 1; j < len(src) && j < i+12; j++ {
		switch src[j] {
		case '\\':
			j++
		case '\'':
			return true
		case '\n':
			return false
		}
	}
	return false
}
