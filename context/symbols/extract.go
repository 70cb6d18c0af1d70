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

// Def is one definition. Its strings are in its File's text, a copy of
// the parts of the source the index keeps: a Def never keeps a file's
// whole text alive, and holds no pointer but its File, so that the
// collector has little to mark in an index of hundreds of thousands.
type Def struct {
	File *File

	name, sig, closer, doc, container span

	Line        int32 // zero-based line of the name
	Start       int32 // zero-based first line of Sig
	End         int32 // zero-based last line of the whole definition
	cost        int32 // token cost of Sig, memoised by the resolver (0 = not yet)
	Kind        Kind
	Exported    bool
	InInterface bool // a method of an interface (its Container)
}

// span is a string in a File's text.
type span struct{ at, n uint32 }

func (d *Def) str(s span) string { return d.File.text[s.at : s.at+s.n] }

// Name is the defined name.
func (d *Def) Name() string { return d.str(d.name) }

// Sig is the signature as it appears in the source, whole lines, no body.
func (d *Def) Sig() string { return d.str(d.sig) }

// Closer is, for a type shown by its header, the line that closes it
// ("}"), else "".
func (d *Def) Closer() string { return d.str(d.closer) }

// Doc is the first line of the doc comment, as written, or "".
func (d *Def) Doc() string { return d.str(d.doc) }

// Container is the type or class this is a member of, or "".
func (d *Def) Container() string { return d.str(d.container) }

// SigLines is the number of lines Sig spans.
func (d *Def) SigLines() int { return strings.Count(d.Sig(), "\n") + 1 }

// Import is one import of a file: its path as written, and the local name
// it binds when the syntax gives one.
type Import struct {
	Path string
	Name string
	// Member marks Python's from M import N as the import of M.N: bound
	// only if M.N is a module, for N is more often something M defines.
	Member bool
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

	text     string  // the strings of Defs (see pack)
	byName   []int32 // indexes of Defs by name, then source order (see sortFile)
	byMember []int32 // indexes of the Defs with a Container, by it

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
// Go is read with go/parser, several times cheaper than a tree-sitter parse
// and tags query, and no cgo; a Go file it cannot parse is read with
// tree-sitter, which recovers from errors better.
func Extract(lang *treesitter.Language, path string, src []byte, tree *treesitter.Tree) *File {
	f := &File{Path: path, Dir: filepath.Dir(path), Test: IsTestPath(path)}
	if lang == nil {
		return f
	}
	f.LanguageID = lang.ID
	f.Refs = refsOf(src)
	if lang.ID == "go" {
		if raws, ok := goRaws(f, src); ok {
			build(f, lang.ID, raws, nil, src)
			return f
		}
	}
	extractTree(f, lang, src, tree)
	return f
}

// rawDef is one definition as a tags query or go/ast finds it, before
// its container and signature are worked out.
type rawDef struct {
	name, recv string
	kind       Kind
	start, end uint32 // byte range of the defining node
	nameRow    int    // zero-based rows of the name, and of the node's first and last line
	startRow   int
	endRow     int
	bodyRow    int              // row of the body of a function, method, class or module; -1 if none
	bodyCol    int              // its byte column
	node       *treesitter.Node // tree-sitter only (Python's docstring), else nil
}

// impl is a Rust impl block: the methods inside are its type's.
type impl struct {
	start, end uint32
	recv       string
}

// extractTree fills f from tree-sitter's tags query.
func extractTree(f *File, lang *treesitter.Language, src []byte, tree *treesitter.Tree) {
	q, err := treesitter.TagsQuery(lang)
	if q == nil || err != nil {
		return
	}
	if tree == nil {
		t, err := treesitter.Parse(lang, src)
		if err != nil {
			return
		}
		defer t.Close()
		tree = t
	}
	type match struct {
		name, recv string
		kind       Kind
		node       *treesitter.Node
		nameNode   *treesitter.Node
	}
	var found []match
	var impls []impl
	q.Matches(tree.Root(), src, 0, 0, func(m treesitter.Match) bool {
		var r match
		var imp Import
		var member string
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
			case c.Name == "import.member":
				member = c.Node.Content(src)
			case c.Name == "impl":
				isImpl, implNode = true, c.Node
			case strings.HasPrefix(c.Name, "definition."):
				if k, ok := kindNames[strings.TrimPrefix(c.Name, "definition.")]; ok {
					r.kind, r.node = k, c.Node
				}
			}
		}
		if member != "" && imp.Path != "" {
			if imp.Name == "" {
				imp.Name = member[strings.LastIndexByte(member, '.')+1:]
			}
			if !strings.HasSuffix(imp.Path, ".") {
				imp.Path += "."
			}
			imp.Path += member
			imp.Member = true
		}
		switch {
		case isImport && imp.Path != "":
			f.Imports = append(f.Imports, imp)
		case isImpl:
			impls = append(impls, impl{implNode.StartByte(), implNode.EndByte(), r.recv})
		case r.node != nil && r.name != "":
			found = append(found, r)
		}
		return true
	})
	raws := make([]rawDef, len(found))
	for i, m := range found {
		// The statement around a definition that starts on its line (Go's
		// type_declaration, an export statement) would give the same row:
		// rows are all the rest needs of the node.
		r := rawDef{
			name: m.name, recv: m.recv, kind: m.kind,
			start: m.node.StartByte(), end: m.node.EndByte(),
			nameRow: int(m.nameNode.StartPoint().Row), startRow: int(m.node.StartPoint().Row), endRow: int(m.node.EndPoint().Row),
			bodyRow: -1, node: m.node,
		}
		switch m.kind {
		case Function, Method, Class, Module:
			if body := m.node.ChildByFieldName("body"); body != nil {
				p := body.StartPoint()
				r.bodyRow, r.bodyCol = int(p.Row), int(p.Column)
			}
		}
		raws[i] = r
	}
	build(f, lang.ID, raws, impls, src)
}

// build works out the definitions of f from the raw ones: which are
// locals, what contains what, signatures and doc lines.
func build(f *File, langID string, raws []rawDef, impls []impl, src []byte) {
	sort.SliceStable(raws, func(i, j int) bool { return raws[i].start < raws[j].start })

	lines := newLines(src)
	type open struct {
		end  uint32
		kind Kind
		name string
		idx  int // index in defs, -1 for a function scope
	}
	var stack []open
	parents := make([]int, 0, len(raws))
	endRows := make([]int, 0, len(raws))
	bodyRows := make([]int, 0, len(raws))
	defs := make([]draft, 0, len(raws))
	for i, r := range raws {
		if i > 0 && raws[i-1].name == r.name && raws[i-1].start == r.start {
			continue
		}
		start, end := r.start, r.end
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
		d := draft{Name: r.name, Kind: kind, Container: container}
		dStart := r.startRow
		sigEnd := r.endRow
		max := maxValueLines
		switch {
		case kind == Function || kind == Method || kind == Class || kind == Module:
			max = maxFuncLines
			if r.bodyRow >= 0 {
				sigEnd = r.bodyRow
				if sigEnd > dStart && strings.TrimSpace(lines.span(sigEnd, sigEnd)[:r.bodyCol]) == "" {
					sigEnd-- // the body starts a line of its own (Python)
				}
				if kind == Class || kind == Module {
					max = maxHeaderLines
				}
			}
		case kind.isType():
			max = maxTypeLines
		}
		if sigEnd-dStart+1 > max {
			sigEnd = dStart + max - 1
		}
		d.Sig = lines.span(dStart, sigEnd)
		if kind == Function || kind == Method || kind == Class {
			d.Sig = trimOpener(d.Sig)
		}
		d.Doc = docLine(langID, dStart, r.node, lines, src)
		d.Exported = exported(langID, d.Name)
		if inFunc && kind == Field {
			// self.x = ...: the assignment is not a declaration line worth
			// showing in full; keep it short.
			d.Sig = lines.span(r.nameRow, r.nameRow)
			dStart = r.nameRow
		}
		if parent >= 0 && kind == Method {
			pd := &defs[parent]
			d.InInterface = pd.Kind == Interface || strings.Contains(firstLine(pd.Sig), "interface")
		}
		d.Line, d.Start, d.End = int32(r.nameRow), int32(dStart), int32(r.endRow)
		defs = append(defs, d)
		parents = append(parents, parent)
		endRows = append(endRows, r.endRow)
		bodyRows = append(bodyRows, r.bodyRow)
		if kind.isType() || kind == Function || kind == Method || kind == Module {
			idx := len(defs) - 1
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
			firstMember[p] = int(defs[i].Start)
		}
	}
	for p, first := range firstMember {
		d := &defs[p]
		start, end := int(d.Start), first-1
		// A header whose type parameters run over lines is shown whole up
		// to its body, as a function's parameters are: what the class
		// extends comes last (class Query<\n  T,\n> extends Removable {).
		limit := maxHeaderLines
		if b := bodyRows[p]; b-start+1 > limit {
			limit = min(b-start+1, maxFuncLines)
		}
		if end-start+1 > limit {
			end = start + limit - 1
		}
		if end < start {
			end = start
		}
		d.Sig = lines.span(start, end)
		if last := lines.span(endRows[p], endRows[p]); endRows[p] > end {
			if t := strings.TrimSpace(last); t == "}" || t == "};" || t == ")" || t == "end" {
				d.Closer = last
			}
		}
	}
	// Dedupe members assigned more than once (self.x in several methods).
	seen := map[[2]string]bool{}
	out := defs[:0]
	for _, d := range defs {
		if d.Kind == Field && d.Container != "" {
			k := [2]string{d.Container, d.Name}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, d)
	}
	f.Defs = pack(f, out)
}

// draft is a Def being built, with its strings as substrings of the
// file's text.
type draft struct {
	Name, Sig, Closer, Doc, Container string
	Line, Start, End                  int32
	Kind                              Kind
	Exported, InInterface             bool
}

// pack makes the Defs of a file from its drafts: their strings are copied
// into one string, f's text, and each Def holds offsets into it. A Def
// then holds one pointer, to its File, instead of six: the index is most of
// the heap, and the collector's time marking it, on every cycle, was the
// tail latency of requests. A name is found in its signature, and a
// container among the names, where they can be, rather than copied.
func pack(f *File, drafts []draft) []Def {
	// The exact size: spare capacity would be kept with the text.
	n := 0
	named := make(map[string]bool, len(drafts))
	for i := range drafts {
		d := &drafts[i]
		n += len(d.Sig) + len(d.Doc) + len(d.Closer)
		if !strings.Contains(d.Sig, d.Name) {
			n += len(d.Name)
		}
		named[d.Name] = true
	}
	for i := range drafts {
		if c := drafts[i].Container; c != "" && !named[c] {
			n += len(c)
			named[c] = true
		}
	}
	var b strings.Builder
	b.Grow(n)
	put := func(s string) span {
		at := uint32(b.Len())
		b.WriteString(s)
		return span{at, uint32(len(s))}
	}
	defs := make([]Def, len(drafts))
	names := map[string]span{}
	for i := range drafts {
		dr, d := &drafts[i], &defs[i]
		*d = Def{File: f, Line: dr.Line, Start: dr.Start, End: dr.End, Kind: dr.Kind, Exported: dr.Exported, InInterface: dr.InInterface}
		d.sig = put(dr.Sig)
		d.doc = put(dr.Doc)
		d.closer = put(dr.Closer)
		if j := strings.Index(dr.Sig, dr.Name); j >= 0 {
			d.name = span{d.sig.at + uint32(j), uint32(len(dr.Name))}
		} else {
			d.name = put(dr.Name)
		}
		if _, ok := names[dr.Name]; !ok {
			names[dr.Name] = d.name
		}
	}
	for i := range drafts {
		if c := drafts[i].Container; c != "" {
			at, ok := names[c]
			if !ok {
				at = put(c)
				names[c] = at
			}
			defs[i].container = at
		}
	}
	f.text = b.String()
	return defs
}

// trimOpener drops the brace that opens a body that is not shown.
func trimOpener(sig string) string {
	s := strings.TrimRight(sig, " \t")
	if strings.HasSuffix(s, "{") {
		s = strings.TrimRight(strings.TrimSuffix(s, "{"), " \t")
	}
	return s
}

// docLine is the first line of the comment just above a definition, or of
// a Python docstring.
func docLine(langID string, row int, node *treesitter.Node, ls lines, src []byte) string {
	if langID == "python" {
		if node == nil {
			return ""
		}
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
	r := row
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

func exported(langID, name string) bool {
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
	text   string // src, once: spans are substrings of it, copied by pack
	starts []int
}

func newLines(src []byte) lines {
	starts := make([]int, 1, len(src)/32+1)
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lines{src, string(src), starts}
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

// span is lines [from, to], without the final newline.
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
	return strings.TrimRight(l.text[l.starts[from]:end], "\r")
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
