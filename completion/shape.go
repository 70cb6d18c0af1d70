package completion

import (
	"regexp"
	"strings"

	"github.com/inkling-ls/inkling/context/workspace"
	"github.com/inkling-ls/inkling/treesitter"
)

// Shape is what kind of answer the cursor calls for.
type Shape struct {
	// Multiline: a block is starting (the cursor is on an empty line that
	// opens or sits in an empty body, or right after a block opener), so
	// the answer may span lines and is cut where the block ends.
	Multiline bool
	// BaseIndent is the indentation of the line that opens the block; an
	// answer line indented no deeper than this has left the block.
	BaseIndent int
	// LineBefore and LineAfter are the cursor line's text on each side.
	LineBefore, LineAfter string
	// NextLine is the first non-blank line after the cursor line.
	NextLine string
}

// midLineOK is Copilot's rule, which holds up: in the middle of a line, only
// offer a completion when what follows the cursor is closers and trailing
// punctuation; anywhere else a suggestion would fight the existing text.
var midLineOK = regexp.MustCompile("^\\s*[)>}\\]\"'`]*\\s*[:{;,]?\\s*$")

// decideShape looks at the text and tree around offset. ok is false when the
// cursor is mid-line before real code, where Inkling offers nothing.
func decideShape(snap *workspace.Snapshot, offset int) (s Shape, ok bool) {
	text := snap.Text
	line := lineOf(snap, offset)
	ls := snap.LineStart(line)
	le := len(text)
	if line+1 < snap.LineCount() {
		le = snap.LineStart(line + 1)
	}
	s.LineBefore = text[ls:offset]
	s.LineAfter = strings.TrimRight(text[offset:le], "\r\n")
	for l := line + 1; l < snap.LineCount(); l++ {
		e := len(text)
		if l+1 < snap.LineCount() {
			e = snap.LineStart(l + 1)
		}
		if t := strings.TrimRight(text[snap.LineStart(l):e], "\r\n"); strings.TrimSpace(t) != "" {
			s.NextLine = t
			break
		}
	}
	lang := langID(snap)
	if !midLineOK.MatchString(s.LineAfter) {
		return s, false
	}
	before := strings.TrimSpace(s.LineBefore)
	switch {
	case before == "":
		// An empty line: multi-line when the block around it has nothing
		// in it yet, or the line above opens a block.
		prev, prevIndent := prevNonBlank(snap, line)
		s.BaseIndent = prevIndent
		if opensBlock(prev, lang) {
			s.Multiline = true
		} else if emptyBody(snap, offset) {
			s.Multiline = true
			s.BaseIndent = indentWidth(s.LineBefore) - 1
		}
	case opensBlock(s.LineBefore, lang) && strings.TrimSpace(s.LineAfter) == "":
		// Right after "{" or ":" at the end of a line: the answer starts
		// with a newline and fills the block.
		s.Multiline = true
		s.BaseIndent = indentWidth(s.LineBefore)
	}
	return s, true
}

// opensBlock says whether a line ends by opening a block or a literal.
func opensBlock(line, lang string) bool {
	t := strings.TrimRight(line, " \t\r\n")
	if i := strings.Index(t, "//"); i >= 0 && lang != "python" && lang != "shellscript" && lang != "ruby" {
		if !strings.Contains(t[:i], "\"") && !strings.Contains(t[:i], "'") {
			t = strings.TrimRight(t[:i], " \t")
		}
	}
	if t == "" {
		return false
	}
	switch t[len(t)-1] {
	case '{', '(', '[':
		return true
	case ':':
		return lang == "python" || strings.HasSuffix(strings.TrimSpace(t), "case") || isCaseLabel(t)
	}
	for _, kw := range []string{" do", "then", "=>", " else", "begin"} {
		if strings.HasSuffix(t, kw) && (lang == "ruby" || lang == "lua" || lang == "shellscript" || kw == "=>") {
			return true
		}
	}
	if lang == "ruby" || lang == "lua" {
		f := strings.Fields(t)
		if len(f) > 0 && (f[0] == "def" || f[0] == "class" || f[0] == "module" || f[0] == "function" || f[0] == "local" && len(f) > 1 && f[1] == "function") {
			return true
		}
	}
	return false
}

func isCaseLabel(t string) bool {
	f := strings.Fields(t)
	return len(f) > 0 && (f[0] == "case" || f[0] == "default:")
}

func prevNonBlank(snap *workspace.Snapshot, line int) (string, int) {
	for l := line - 1; l >= 0; l-- {
		t := strings.TrimRight(snap.Text[snap.LineStart(l):snap.LineStart(l+1)], "\r\n")
		if strings.TrimSpace(t) != "" {
			return t, indentWidth(t)
		}
	}
	return "", 0
}

// blockTypes are the node types that hold a body of statements.
var blockTypes = map[string]bool{
	"block": true, "statement_block": true, "compound_statement": true, "declaration_list": true,
	"class_body": true, "field_declaration_list": true, "body_statement": true, "do_block": true,
	"function_body": true, "enum_body": true, "interface_body": true, "switch_body": true,
	"constructor_body": true, "object": true, "suite": true,
}

// emptyBody reports whether the cursor sits in a block with no statements
// yet, as the syntax tree sees it (for example between the braces of a
// function just declared, after pressing Enter).
func emptyBody(snap *workspace.Snapshot, offset int) bool {
	tree := snap.SyntaxTree()
	if tree == nil {
		return false
	}
	pos := snap.Position(offset, workspace.UTF8)
	pt := treesitter.Point{Row: uint32(pos.Line), Column: uint32(pos.Character)}
	n := tree.NodeAt(pt, pt)
	for depth := 0; n != nil && depth < 4; depth++ {
		if blockTypes[n.Type()] {
			for i := 0; i < int(n.NamedChildCount()); i++ {
				c := n.NamedChild(i)
				if c.Type() != "comment" && c.Type() != "line_comment" && c.Type() != "block_comment" {
					return false
				}
			}
			return true
		}
		n = n.Parent()
	}
	return false
}

// indentWidth counts leading whitespace, a tab as one column: only the
// comparison between lines of one file matters.
func indentWidth(s string) int {
	n := 0
	for _, r := range s {
		if r != ' ' && r != '\t' {
			break
		}
		n++
	}
	return n
}

// langID is the buffer's canonical language: the grammar's when there is
// one (clients send aliases), else what the client said.
func langID(snap *workspace.Snapshot) string {
	if snap.Language != nil {
		return snap.Language.ID
	}
	return snap.LanguageID
}
