// Package symbols owns the workspace's tags index: the definitions of
// functions, methods, types, fields, constants and variables in every indexed
// file, each with its signature and the first line of its doc comment, and
// the resolution of the names the code at the cursor uses to the definitions
// the prompt should show.
package symbols

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/inkling-ls/inkling/treesitter"
)

// Kind is what a definition defines.
type Kind uint8

const (
	Function Kind = iota
	Method
	Type
	Class
	Interface
	Field
	Constant
	Var
	Module
	Embed // a type embedded in a struct or interface: its members are the outer type's
)

var kindNames = map[string]Kind{
	"function": Function, "method": Method, "type": Type, "class": Class, "interface": Interface,
	"field": Field, "constant": Constant, "var": Var, "module": Module, "embed": Embed,
}

func (k Kind) String() string {
	for s, kk := range kindNames {
		if kk == k {
			return s
		}
	}
	return "?"
}

// isType reports whether definitions of this kind have members.
func (k Kind) isType() bool { return k == Type || k == Class || k == Interface }

// Def is one definition. Its strings are copies: a Def never keeps a file's
// text alive.
type Def struct {
	Name        string
	Kind        Kind
	Line        int    // zero-based line of the name
	Start       int    // zero-based first line of Sig
	End         int    // zero-based last line of the whole definition
	Sig         string // the signature as it appears in the source, whole lines, no body
	Closer      string // for a type shown by its header: the line that closes it ("}"), else ""
	Doc         string // first line of the doc comment, as written, or ""
	Container   string // the type or class this is a member of, or ""
	Exported    bool
	InInterface bool // a method of an interface (its Container)
	File        *File

	cost int32 // token cost of Sig, memoised by the resolver (0 = not yet)
}

// SigLines is the number of lines Sig spans.
func (d *Def) SigLines() int { return strings.Count(d.Sig, "\n") + 1 }

// Import is one import of a file: its path as written, and the local name
// it binds when the syntax gives one.
type Import struct {
	Path string
	Name string
}

// File is what the index knows of one file.
type File struct {
	Path       string
	Dir        string
	LanguageID string
	Package    string // the declared package (Go, Java), else ""
	Defs       []Def  // in source order
	Imports    []Import
	Test       bool     // a test file, by its name: its definitions are no other code's API
	Refs       []uint32 // hashes of the names the file uses, sorted (see refsOf)

	gone atomic.Bool // replaced or removed: its entries in the index's lists are stale
}

// Limits on how much of a definition is kept as its signature: a
// definition's value (a long table, a function literal) is not its API.
const (
	maxHeaderLines = 4  // a type or class shown by its header
	maxTypeLines   = 12 // a type without member definitions (an alias, a union)
	maxFuncLines   = 8  // a function's parameter list and results
	maxValueLines  = 3  // a constant, variable or field with its value
)

// Extract parses src and collects its definitions and imports. tree may be
// nil, in which case src is parsed here; a tree passed in is only read.
func Extract(lang *treesitter.Language, path string, src []byte, tree *treesitter.Tree) *File {
	f := &File{Path: path, Dir: filepath.Dir(path), Test: IsTestPath(path)}
	if lang == nil {
		return f
	}
	f.LanguageID = lang.ID
	f.Refs = refsOf(src)
	q, err := treesitter.TagsQuery(lang)
	if q == nil || err != nil {
		return f
	}
	if tree == nil {
		t, err := treesitter.Parse(lang, src)
		if err != nil {
			return f
		}
		defer t.Close()
		tree = t
	}
	type rawDef struct {
		name, recv string
		kind       Kind
		node       *treesitter.Node
		nameNode   *treesitter.Node
	}
	type impl struct {
		start, end uint32
		recv       string
	}
	var raws []rawDef
	var impls []impl
	q.Matches(tree.Root(), src, 0, 0, func(m treesitter.Match) bool {
		var r rawDef
		var imp Import
		var isImport, isImpl bool
		var implNode *treesitter.Node
		for _, c := range m.Captures {
			switch {
			case c.Name == "name":
				r.nameNode = c.Node
				r.name = c.Node.Content(src)
			case c.Name == "receiver":
				r.recv = c.Node.Content(src)
			case c.Name == "package":
				f.Package = c.Node.Content(src)
			case c.Name == "import":
				isImport = true
			case c.Name == "import.path":
				imp.Path = strings.Trim(c.Node.Content(src), "\"'`<>")
			case c.Name == "import.name":
				imp.Name = c.Node.Content(src)
			case c.Name == "impl":
				isImpl, implNode = true, c.Node
			case strings.HasPrefix(c.Name, "definition."):
				if k, ok := kindNames[strings.TrimPrefix(c.Name, "definition.")]; ok {
					r.kind, r.node = k, c.Node
				}
			}
		}
		switch {
		case isImport && imp.Path != "":
			f.Imports = append(f.Imports, imp)
		case isImpl:
			impls = append(impls, impl{implNode.StartByte(), implNode.EndByte(), r.recv})
		case r.node != nil && r.name != "":
			raws = append(raws, r)
		}
		return true
	})
	sort.SliceStable(raws, func(i, j int) bool { return raws[i].node.StartByte() < raws[j].node.StartByte() })

	lines := newLines(src)
	type open struct {
		end  uint32
		kind Kind
		name string
		idx  int // index in f.Defs, -1 for a function scope
	}
	var stack []open
	parents := make([]int, 0, len(raws))
	endRows := make([]int, 0, len(raws))
	for i, r := range raws {
		if i > 0 && raws[i-1].name == r.name && raws[i-1].node.StartByte() == r.node.StartByte() {
			continue
		}
		start, end := r.node.StartByte(), r.node.EndByte()
		for len(stack) > 0 && stack[len(stack)-1].end <= start {
			stack = stack[:len(stack)-1]
		}
		inFunc, container, parent := false, "", -1
		for j := len(stack) - 1; j >= 0; j-- {
			s := stack[j]
			if s.kind == Function || s.kind == Method {
				inFunc = true
				continue
			}
			if s.kind.isType() {
				container, parent = s.name, s.idx
				break
			}
		}
		kind := r.kind
		switch {
		case inFunc && kind != Field && kind != Embed:
			continue // a local: not part of any API
		case inFunc && container == "":
			continue // self.x outside a class
		}
		if kind == Function && container != "" {
			kind = Method
		}
		if r.recv != "" {
			container = r.recv
		}
		if container == "" {
			for _, im := range impls {
				if im.start <= start && end <= im.end {
					container = im.recv
					if kind == Function {
						kind = Method
					}
				}
			}
		}
		d := Def{Name: r.name, Kind: kind, Container: container, File: f}
		d.Line = int(r.nameNode.StartPoint().Row)
		d.End = int(r.node.EndPoint().Row)
		outer := outerNode(r.node)
		d.Start = int(outer.StartPoint().Row)
		sigEnd := int(r.node.EndPoint().Row)
		max := maxValueLines
		switch {
		case kind == Function || kind == Method || kind == Class || kind == Module:
			max = maxFuncLines
			if body := r.node.ChildByFieldName("body"); body != nil {
				sigEnd = int(body.StartPoint().Row)
				if sigEnd > d.Start && strings.TrimSpace(lines.span(sigEnd, sigEnd)[:body.StartPoint().Column]) == "" {
					sigEnd-- // the body starts a line of its own (Python)
				}
				if kind == Class || kind == Module {
					max = maxHeaderLines
				}
			}
		case kind.isType():
			max = maxTypeLines
		}
		if sigEnd-d.Start+1 > max {
			sigEnd = d.Start + max - 1
		}
		d.Sig = lines.span(d.Start, sigEnd)
		if kind == Function || kind == Method || kind == Class {
			d.Sig = trimOpener(d.Sig)
		}
		d.Doc = docLine(lang.ID, outer, r.node, lines, src)
		d.Exported = exported(lang.ID, d.Name, outer)
		if inFunc && kind == Field {
			// self.x = ...: the assignment is not a declaration line worth
			// showing in full; keep it short.
			d.Sig = lines.span(d.Line, d.Line)
			d.Start = d.Line
		}
		if parent >= 0 && kind == Method {
			pd := &f.Defs[parent]
			d.InInterface = pd.Kind == Interface || strings.Contains(strings.SplitN(pd.Sig, "\n", 2)[0], "interface")
		}
		f.Defs = append(f.Defs, d)
		parents = append(parents, parent)
		endRows = append(endRows, int(r.node.EndPoint().Row))
		if kind.isType() || kind == Function || kind == Method || kind == Module {
			idx := len(f.Defs) - 1
			if kind == Module {
				idx = -1
			}
			stack = append(stack, open{end: end, kind: kind, name: r.name, idx: idx})
		}
	}
	// A type whose members are definitions of their own is shown by its
	// header; its members are shown one by one as they are chosen.
	firstMember := map[int]int{}
	for i, p := range parents {
		if p < 0 {
			continue
		}
		if _, ok := firstMember[p]; !ok {
			firstMember[p] = f.Defs[i].Start
		}
	}
	for p, first := range firstMember {
		d := &f.Defs[p]
		end := first - 1
		if end-d.Start+1 > maxHeaderLines {
			end = d.Start + maxHeaderLines - 1
		}
		if end < d.Start {
			end = d.Start
		}
		d.Sig = lines.span(d.Start, end)
		if last := lines.span(endRows[p], endRows[p]); endRows[p] > end {
			if t := strings.TrimSpace(last); t == "}" || t == "};" || t == ")" || t == "end" {
				d.Closer = last
			}
		}
	}
	// Dedupe members assigned more than once (self.x in several methods).
	seen := map[[2]string]bool{}
	out := f.Defs[:0]
	for _, d := range f.Defs {
		if d.Kind == Field && d.Container != "" {
			k := [2]string{d.Container, d.Name}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, d)
	}
	// An exact-size copy: append's spare capacity, kept for the life of
	// the index, was a fifth of its heap.
	f.Defs = append(make([]Def, 0, len(out)), out...)
	return f
}

// trimOpener drops the brace that opens a body that is not shown.
func trimOpener(sig string) string {
	s := strings.TrimRight(sig, " \t")
	if strings.HasSuffix(s, "{") {
		s = strings.TrimRight(strings.TrimSuffix(s, "{"), " \t")
	}
	return s
}

// outerNode climbs from a definition to the statement that holds it when
// that statement starts on the same line: Go's type_declaration around a
// type_spec, an export statement, a decorated definition. Doc comments
// precede that statement.
func outerNode(n *treesitter.Node) *treesitter.Node {
	row := n.StartPoint().Row
	for {
		p := n.Parent()
		if p == nil || p.Parent() == nil || p.StartPoint().Row != row {
			return n
		}
		switch p.Type() {
		case "type_declaration", "const_declaration", "var_declaration", "export_statement", "decorated_definition",
			"lexical_declaration", "variable_declaration", "ambient_declaration", "declaration", "field_declaration",
			"expression_statement", "template_declaration":
			n = p
		default:
			return n
		}
	}
}

// docLine is the first line of the comment just above a definition, or of
// a Python docstring.
func docLine(langID string, outer, node *treesitter.Node, ls lines, src []byte) string {
	if langID == "python" {
		body := node.ChildByFieldName("body")
		if body == nil || body.NamedChildCount() == 0 {
			return ""
		}
		st := body.NamedChild(0)
		if st.Type() != "expression_statement" || st.NamedChildCount() == 0 || st.NamedChild(0).Type() != "string" {
			return ""
		}
		s := strings.TrimSpace(st.NamedChild(0).Content(src))
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[:i]
		}
		return strings.Clone(s)
	}
	// Read from the text, not the tree: a node's previous sibling is found
	// by walking its parent's children from the first, which made doc
	// lines a tenth of indexing.
	r := int(outer.StartPoint().Row)
	if r == 0 || ls.blank(r-1) {
		return ""
	}
	above := strings.TrimSpace(ls.span(r-1, r-1))
	if isLineComment(langID, above) {
		first := r - 1
		for first > 0 && isLineComment(langID, strings.TrimSpace(ls.span(first-1, first-1))) {
			first--
		}
		return strings.TrimSpace(ls.span(first, first))
	}
	if strings.HasSuffix(above, "*/") {
		for k := r - 1; k >= 0 && k >= r-maxDocLines; k-- {
			if l := strings.TrimSpace(ls.span(k, k)); strings.Contains(l, "/*") {
				return l
			}
		}
	}
	return ""
}

// maxDocLines is how far up a block comment's opening is looked for.
const maxDocLines = 60

// isLineComment reports whether a trimmed line is a line comment in the
// language.
func isLineComment(langID, l string) bool {
	switch langID {
	case "python", "ruby", "shellscript":
		return strings.HasPrefix(l, "#")
	case "lua":
		return strings.HasPrefix(l, "--")
	case "php":
		return strings.HasPrefix(l, "//") || strings.HasPrefix(l, "#")
	}
	return strings.HasPrefix(l, "//")
}

func exported(langID, name string, outer *treesitter.Node) bool {
	switch langID {
	case "go":
		r, _ := utf8.DecodeRuneInString(name)
		return unicode.IsUpper(r)
	case "python":
		return !strings.HasPrefix(name, "_")
	}
	return true
}

// lines indexes a source by line.
type lines struct {
	src    []byte
	starts []int
}

func newLines(src []byte) lines {
	starts := make([]int, 1, len(src)/32+1)
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lines{src, starts}
}

// blank reports whether a line holds only white space.
func (l lines) blank(row int) bool {
	if row >= len(l.starts) {
		return true
	}
	end := len(l.src)
	if row+1 < len(l.starts) {
		end = l.starts[row+1]
	}
	return len(bytes.TrimSpace(l.src[l.starts[row]:end])) == 0
}

// span is lines [from, to] as a new string, without the final newline.
func (l lines) span(from, to int) string {
	if from >= len(l.starts) {
		return ""
	}
	if to >= len(l.starts) {
		to = len(l.starts) - 1
	}
	end := len(l.src)
	if to+1 < len(l.starts) {
		end = l.starts[to+1] - 1
	}
	s := string(l.src[l.starts[from]:end])
	return strings.TrimRight(s, "\r")
}

// IsTestPath reports whether a path names a test file by the conventions
// of Go, Python, JavaScript/TypeScript, Rust, Java and Ruby.
func IsTestPath(path string) bool {
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	switch {
	case strings.HasSuffix(stem, "_test"), strings.HasSuffix(stem, "_spec"),
		strings.HasPrefix(stem, "test_"), stem == "conftest",
		strings.HasSuffix(stem, ".test"), strings.HasSuffix(stem, ".spec"),
		strings.HasSuffix(stem, "Test") && len(stem) > 4, strings.HasSuffix(stem, "Tests"):
		return true
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if part == "__tests__" || part == "tests" || part == "test" || part == "spec" {
			return true
		}
	}
	return false
}
