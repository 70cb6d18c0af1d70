package symbols

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/treesitter"
)

// Query is the code at the cursor.
type Query struct {
	Path       string
	LanguageID string
	Text       string
	Offset     int              // cursor byte offset in Text
	Tree       *treesitter.Tree // Text's syntax tree, or nil; only read
	Local      [2]int           // byte range of Text the prompt already shows
}

// Candidate is a definition worth showing, with how much.
type Candidate struct {
	Def    *Def
	Score  float64
	Direct bool // its name is used near the cursor
}

// How far around the cursor names are taken from, in lines.
const (
	linesBefore = 40
	linesAfter  = 10
)

// Weights of the ways a definition can matter. Names used near the cursor
// count most; then the API of the types the code around the cursor works
// with; then the rest of the package and what it imports, which is where an
// identifier the file has never used yet comes from.
const (
	wQualifierMember  = 1.6 // a member of the package or value before the '.' being typed
	wSelfType         = 1.0 // the enclosing method's receiver or class
	wSigType          = 0.8 // a type in the enclosing function's signature
	wMember           = 0.45
	wFileType         = 0.3 // a type defined in the cursor's file
	wHop              = 0.5 // decay per step from type to field type, function to result type
	wBase             = 0.9 // a class's base classes and interfaces: their members are its own
	wNamedType        = 0.5 // the type a variable's name spells (request_validator: RequestValidator)
	wNamedTypeUntyped = 2   // the same where code declares no types, and the name is all there is
	wTypeEnd          = 0.5 // shared by the folder's types whose name ends in the spelled one (loop: BaseEventLoop)
	wSamePackage      = 0.12
	wImported         = 0.1
	wUsedImport       = 0.25 // a package whose qualifier appears near the cursor
	visiblePenalty    = 0.3  // discovered names the local window already shows
	testPenalty       = 0.2  // a test file's definition, for code that is not a test
	wCooccur          = 3    // bonus for a name the files most like this one use
)

// maxTypeEnds is how many of the folder's types may end in a name the
// code spells before none is taken: loop is one of BaseEventLoop and
// AbstractEventLoop, but value is no one's.
const maxTypeEnds = 3

// closeness ranks where a definition lives relative to the cursor's file.
func closeness(d *Def, path, dir string, imported map[string]bool) float64 {
	switch {
	case d.File.Path == path:
		return 1
	case d.File.Dir == dir:
		return 0.9
	case imported[d.File.Dir] || imported[d.File.Path]:
		return 0.75
	}
	return 0.45
}

// Resolve ranks the definitions the code at the cursor is likely to need,
// best first, at most limit of them.
func (x *Index) Resolve(q Query, limit int) []Candidate {
	return x.ResolveAppend(nil, q, limit)
}

// ResolveAppend is Resolve, appending to dst: a caller that reuses dst
// spares a request its largest allocation.
func (x *Index) ResolveAppend(dst []Candidate, q Query, limit int) []Candidate {
	if q.Offset > len(q.Text) {
		q.Offset = len(q.Text)
	}
	dir := filepath.Dir(q.Path)
	self := x.File(q.Path)
	cursorLine := strings.Count(q.Text[:q.Offset], "\n")
	localStart := strings.Count(q.Text[:clamp(q.Local[0], len(q.Text))], "\n")
	localEnd := localStart + strings.Count(q.Text[clamp(q.Local[0], len(q.Text)):clamp(q.Local[1], len(q.Text))], "\n")
	buf := resolveBufs.Get().(*resolveBuf)
	defer resolveBufs.Put(buf)
	// The names the prompt shows, as a sorted set of hashes: a map of
	// them was a tenth of what a request allocated. A collision only
	// lowers one candidate's score.
	visible := buf.visible[:0]
	visible = appendIdentHashes(visible, q.Text[clamp(q.Local[0], len(q.Text)):clamp(q.Local[1], len(q.Text))])
	visible = appendIdentHashes(visible, q.Text[clamp(q.Offset-2000, len(q.Text)):q.Offset]) // the typing line is always in view
	slices.Sort(visible)
	visible = slices.Compact(visible)
	buf.visible = visible

	// Imports: which folders and files this file imports, and by what name.
	imported := map[string]bool{}
	pkgByName := map[string][]string{} // qualifier -> folders
	var importDirs []string
	if self != nil {
		for _, imp := range self.Imports {
			dirs, files := x.ResolveImport(self, imp)
			for _, d := range dirs {
				imported[d] = true
				importDirs = append(importDirs, d)
				name := imp.Name
				if name == "" {
					name = x.packageName(d, imp.Path)
				}
				pkgByName[name] = append(pkgByName[name], d)
			}
			for _, f := range files {
				imported[f.Path] = true
				if imp.Name != "" {
					pkgByName[imp.Name] = append(pkgByName[imp.Name], f.Path)
				}
			}
		}
	}

	// The files that stand for the cursor's folder and the folders above
	// it as modules, beside each (lib/rack.rb for lib/rack/*.rb and
	// lib/rack/handler/*.rb, src/net.rs for src/net/*.rs): what they define
	// is in scope there as the folder's own definitions are, in Ruby's
	// nested modules and Rust's (through super::). Not in Go, where foo.go
	// beside foo/ is another package, nor where a file must import it.
	var parentMods []*File
	nests := q.LanguageID == "ruby" || q.LanguageID == "rust"
	for d := dir; nests && len(parentMods) < 3 && filepath.Dir(d) != d; d = filepath.Dir(d) {
		if f := x.File(filepath.Join(filepath.Dir(d), filepath.Base(d)+filepath.Ext(q.Path))); f != nil {
			parentMods = append(parentMods, f)
			imported[f.Path] = true
		}
	}

	// Code outside tests does not use what test files define (in Go it
	// cannot).
	selfTest := IsTestPath(q.Path)
	var co map[uint32]float64
	if self != nil {
		co = x.cooccurring(self.Refs, q.Path, selfTest, []string{dir})
	}
	cands := buf.cands[:0]
	sums := buf.sums[:0] // per candidate, the sum of its evidence
	defer func() { buf.sums = sums[:0] }()
	candAt := buf.at // index in cands
	clear(candAt)
	defer func() {
		clear(cands) // no Def kept alive by the pool
		buf.cands = cands[:0]
	}()
	add := func(d *Def, score float64, direct bool) {
		if d.File.Test && !selfTest {
			if d.File.LanguageID == "go" {
				return
			}
			score *= testPenalty
		}
		if d.File.Path == q.Path && int(d.Line) >= localStart && int(d.Line) <= localEnd {
			return // already in the prompt
		}
		if d.File.Path == q.Path && self != nil && int(d.Line) == cursorLine {
			return
		}
		if !direct && has(visible, hashName(d.Name())) {
			score *= visiblePenalty
		}
		if !direct && co != nil {
			score *= 1 + wCooccur*co[hashName(d.Name())]
		}
		if i, ok := candAt[d]; ok {
			// Evidence adds up, with diminishing returns: the best counts
			// whole and the rest a quarter (summed at the end, so that the
			// order the maps above hand it out does not change a score).
			c := &cands[i]
			c.Score = math.Max(c.Score, score)
			sums[i] += score
			c.Direct = c.Direct || direct
			return
		}
		candAt[d] = int32(len(cands))
		cands = append(cands, Candidate{Def: d, Score: score, Direct: direct})
		sums = append(sums, score)
	}

	near := nearNames(q.Text, q.Offset, cursorLine)
	words := map[string]float64{}
	for name, w := range near.weight {
		for _, wd := range splitWords(name) {
			words[wd] = math.Max(words[wd], w)
		}
	}

	types := map[*Def]float64{} // types whose members to show, with weight
	addType := func(d *Def, w float64) {
		if d.Kind.isType() && w > types[d] {
			types[d] = w
		}
	}

	// Names used near the cursor, resolved to their definitions. A name
	// after an imported package's qualifier is that package's.
	var dirTypes []*Def // the folder's types, for names that end one; listed once needed
	listed := false
	for name, w := range near.weight {
		// Code names a variable after its type more often than not, and in
		// dynamic languages the name is all there is to go on: loop may
		// be the folder's only ...EventLoop.
		if tn := typeNamed(name); tn != "" {
			wn := wNamedType
			if untyped(q.LanguageID) {
				wn = wNamedTypeUntyped
			}
			ts := x.typesIn(tn, "", dir)
			for _, t := range ts {
				addType(t, w*wn*closeness(t, q.Path, dir, imported))
			}
			if len(ts) == 0 {
				if !listed {
					listed = true
					for _, f := range x.Dir(dir) {
						for i := range f.Defs {
							if d := &f.Defs[i]; d.Kind.isType() && d.Container() == "" {
								dirTypes = append(dirTypes, d)
							}
						}
					}
				}
				var ends []*Def
				for _, t := range dirTypes {
					if n := t.Name(); len(n) > len(tn) && strings.HasSuffix(n, tn) && isUpper(n[len(n)-len(tn)]) {
						ends = append(ends, t)
					}
				}
				if len(ends) <= maxTypeEnds {
					for _, t := range ends {
						addType(t, w*wn*wTypeEnd/float64(len(ends)))
					}
				}
			}
		}
		if near.member[name] {
			found := false
			for qual := range near.qualOf[name] {
				for _, d := range pkgByName[qual] {
					for _, def := range x.NamedIn(d, name) {
						if def.Container() == "" {
							found = true
							add(def, w*closeness(def, q.Path, dir, imported), true)
							addType(def, w*0.75)
							if def.Kind == Function || def.Kind == Var || def.Kind == Constant {
								for _, t := range x.typesIn(def.Sig(), def.Name(), def.File.Dir) {
									addType(t, w*0.75*wHop)
								}
							}
						}
					}
				}
			}
			if found {
				continue
			}
		}
		defs := x.closestNamed(name, q.Path, dir, imported)
		if len(defs) == 0 {
			continue
		}
		amb := 1 / math.Sqrt(float64(len(defs)))
		for _, d := range defs {
			if near.member[name] && !(d.Kind == Method || d.Kind == Field) {
				continue // x.Name: a method or field, not a top-level Name
			}
			if !near.member[name] && d.Container() != "" && d.Kind != Method {
				continue
			}
			cl := closeness(d, q.Path, dir, imported)
			add(d, w*cl*amb, true)
			addType(d, w*cl*amb)
			if d.Kind == Function || d.Kind == Method || d.Kind == Field || d.Kind == Var {
				// The types in its signature: what it returns or holds.
				for _, t := range x.typesIn(d.Sig(), d.Name(), d.File.Dir) {
					addType(t, w*cl*amb*wHop)
				}
			}
		}
	}

	// The enclosing function: its receiver or class, its parameter and
	// result types.
	encl := enclosing(q, self, cursorLine)
	if encl.self != "" {
		for _, d := range x.Named(encl.self) {
			if d.Kind.isType() {
				addType(d, wSelfType*closeness(d, q.Path, dir, imported))
			}
		}
	}
	for _, t := range x.typesIn(encl.sig, "", dir) {
		addType(t, wSigType*closeness(t, q.Path, dir, imported))
	}

	// The qualifier before a '.' being typed.
	if near.qualifier != "" {
		if dirs, ok := pkgByName[near.qualifier]; ok {
			for _, d := range dirs {
				x.eachTopLevel(d, func(def *Def) {
					if def.Exported {
						add(def, wQualifierMember*prefixBoost(def.Name(), near.partial), false)
					}
				})
			}
		} else if near.qualifier == "self" || near.qualifier == "this" {
			for _, d := range x.Named(encl.self) {
				addType(d, wQualifierMember)
			}
		} else {
			for _, t := range x.typeOfVar(q.Text[:q.Offset], near.qualifier, dir) {
				addType(t, wQualifierMember)
			}
		}
	}

	// The types defined in this file, for a cursor between declarations.
	if self != nil {
		for i := range self.Defs {
			if d := &self.Defs[i]; d.Kind.isType() && d.Container() == "" {
				addType(d, wFileType)
			}
		}
	}

	// An alias or a defined type stands for the type it names: its members
	// are what code using it calls (type Field = zapcore.Field).
	for t, w := range copyMap(types) {
		if t.Kind != Type || x.hasMembers(t) {
			continue
		}
		hop := wHop
		if strings.Contains(firstLine(t.Sig()), "=") {
			hop = 1
		}
		for _, u := range x.typesIn(t.Sig(), t.Name(), t.File.Dir) {
			addType(u, w*hop)
		}
	}

	// A class's bases: the types its header names after its own name
	// (class A(B), class A extends B implements C, class A : B, class
	// A < B), two levels up. Go says the same with embedded fields, below.
	for range 2 {
		for t, w := range copyMap(types) {
			if t.Kind == Type || t.File.LanguageID == "go" {
				continue
			}
			for _, u := range x.typesIn(classHeader(t.Sig(), t.File.LanguageID), t.Name(), t.File.Dir) {
				addType(u, w*wBase)
			}
		}
	}

	// One hop out from the types found so far: embedded types (whose
	// members are the type's own), the types of fields, and the interfaces
	// a type implements (those sharing two or more of its method names).
	for t, w := range copyMap(types) {
		methods := map[string]bool{}
		x.eachMemberOf(t, func(m *Def) {
			switch m.Kind {
			case Embed:
				for _, ft := range x.typesIn(m.Name(), "", m.File.Dir) {
					addType(ft, w)
				}
			case Field:
				for _, ft := range x.typesIn(m.Sig(), m.Name(), m.File.Dir) {
					addType(ft, w*wHop)
				}
			case Method:
				methods[m.Name()] = true
			}
		})
		if t.Kind == Interface || len(methods) < 2 || w < 0.05 {
			continue
		}
		shared := map[*File]map[string]int{}
		for name := range methods {
			for _, d := range x.InterfaceMethods(name) {
				if shared[d.File] == nil {
					shared[d.File] = map[string]int{}
				}
				shared[d.File][d.Container()]++
			}
		}
		for f, byName := range shared {
			for name, n := range byName {
				if n < 2 {
					continue
				}
				for _, it := range x.NamedIn(f.Dir, name) {
					if it.Kind.isType() {
						addType(it, w*0.9)
					}
				}
			}
		}
	}
	// Embedded types found by the hop bring their own embeddings.
	for t, w := range copyMap(types) {
		x.eachMemberOf(t, func(m *Def) {
			if m.Kind == Embed {
				for _, ft := range x.typesIn(m.Name(), "", m.File.Dir) {
					addType(ft, w)
				}
			}
		})
	}
	for t, w := range types {
		add(t, w, false)
		x.eachMemberOf(t, func(m *Def) {
			if m.Kind != Embed {
				add(m, w*wMember*(1+wordBonus(m.Name(), words)), false)
			}
		})
	}

	// The package and the packages it imports: where new names come from.
	// The cursor's own file is left out: the prompt shows much of it, and
	// the names the code around the cursor uses from it are resolved above.
	pkg := x.Dir(dir)
	if len(parentMods) > 0 {
		pkg = append(pkg[:len(pkg):len(pkg)], parentMods...)
	}
	for _, f := range pkg {
		if f == self {
			continue
		}
		for i := range f.Defs {
			d := &f.Defs[i]
			if d.Container() == "" {
				add(d, wSamePackage*closeness(d, q.Path, dir, imported)*(1+wordBonus(d.Name(), words)), false)
			}
		}
	}
	for name, dirs := range pkgByName {
		w := wImported
		if nw, ok := near.qualifiers[name]; ok {
			w = wUsedImport * nw
		}
		for _, d := range dirs {
			x.eachTopLevel(d, func(def *Def) {
				if def.Exported {
					add(def, w*(1+wordBonus(def.Name(), words)), false)
				}
			})
		}
	}
	_ = importDirs

	for i := range cands {
		cands[i].Score += 0.25 * (sums[i] - cands[i].Score)
	}
	out := cands
	slices.SortFunc(out, func(a, b Candidate) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		switch {
		case defLess(a.Def, b.Def):
			return -1
		case defLess(b.Def, a.Def):
			return 1
		}
		return 0
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return append(dst, out...)
}

// resolveBuf is Resolve's scratch space, reused: a request finds thousands
// of candidates, and growing a map and a slice for them each time was most
// of what a request allocated.
type resolveBuf struct {
	cands   []Candidate
	sums    []float64
	at      map[*Def]int32
	visible []uint32 // hashes of the names the prompt shows, sorted
}

var resolveBufs = sync.Pool{New: func() any { return &resolveBuf{at: map[*Def]int32{}} }}

// maxSameName bounds how many definitions of one name are followed: a name
// defined in many places (String, Config) is resolved to the closest few,
// and one defined in more places than maxAmbiguous, nowhere close, not at
// all.
const (
	maxSameName  = 6
	maxAmbiguous = 24
)

// closestNamed finds the definitions of a name in the closest place that
// has any: the cursor's folder, then the imported ones, then anywhere.
func (x *Index) closestNamed(name, path, dir string, imported map[string]bool) []*Def {
	if ds := x.NamedIn(dir, name); len(ds) > 0 {
		return capDefs(ds)
	}
	var out []*Def
	for d := range imported {
		out = append(out, x.NamedIn(d, name)...)
		if f := x.File(d); f != nil {
			out = append(out, x.NamedIn(f.Dir, name)...)
		}
	}
	if len(out) > 0 {
		return capDefs(out)
	}
	if ds := x.Named(name); len(ds) <= maxAmbiguous {
		return capDefs(ds)
	}
	return nil
}

func capDefs(ds []*Def) []*Def {
	if len(ds) > maxSameName {
		return ds[:maxSameName]
	}
	return ds
}

// defLess orders definitions by file and line: the stable order.
func defLess(a, b *Def) bool {
	if a.File.Path != b.File.Path {
		return a.File.Path < b.File.Path
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.Name() < b.Name()
}

func copyMap(m map[*Def]float64) map[*Def]float64 {
	out := make(map[*Def]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// eachMemberOf calls fn with each of a type's members: in Go those in any
// file of its package (methods live anywhere in it), elsewhere in the
// type's own file. It makes no slice: it runs for every type of every
// request.
func (x *Index) eachMemberOf(t *Def, fn func(*Def)) {
	x.eachMember(t.File.Dir, t.Name(), func(m *Def) {
		if m.File == t.File || t.File.LanguageID == "go" || t.File.LanguageID == "rust" {
			fn(m)
		}
	})
}

// hasMembers reports whether a type has any member.
func (x *Index) hasMembers(t *Def) bool {
	found := false
	x.eachMemberOf(t, func(*Def) { found = true })
	return found
}

// eachTopLevel calls fn for each top-level definition of a folder or file.
func (x *Index) eachTopLevel(dirOrFile string, fn func(*Def)) {
	files := x.Dir(dirOrFile)
	if len(files) == 0 {
		if f := x.File(dirOrFile); f != nil {
			files = []*File{f}
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f.Path, "_test.go") {
			continue // a package's tests are not its API
		}
		for i := range f.Defs {
			if f.Defs[i].Container() == "" {
				fn(&f.Defs[i])
			}
		}
	}
}

// packageName is the name a Go import binds: the package clause of the
// folder's files, else the path's last element.
func (x *Index) packageName(dir, importPath string) string {
	for _, f := range x.Dir(dir) {
		if f.Package != "" && !strings.HasSuffix(f.Package, "_test") {
			return f.Package
		}
	}
	base := importPath[strings.LastIndexAny(importPath, "/.")+1:]
	return base
}

// isUpper reports whether c is an ASCII capital, where a PascalCase word
// starts.
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// untyped reports whether a language's code mostly leaves its variables'
// types unsaid.
func untyped(languageID string) bool {
	switch languageID {
	case "python", "ruby", "javascript", "javascriptreact", "php", "lua":
		return true
	}
	return false
}

// classHeader is the header of a class of the language languageID, up to
// where its body opens, from its signature: in Python up to the line that
// ends in ':', in Ruby its first line, elsewhere up to the '{' in its first
// eight lines (the header's type parameters may run over lines), or its
// first line when there is none.
func classHeader(sig, languageID string) string {
	first := sig
	if i := strings.IndexByte(sig, '\n'); i >= 0 {
		first = sig[:i]
	}
	if languageID == "ruby" {
		return first
	}
	off := 0
	for range 8 {
		line := sig[off:]
		nl := strings.IndexByte(line, '\n')
		if nl >= 0 {
			line = line[:nl]
		}
		if languageID == "python" {
			if strings.HasSuffix(strings.TrimSpace(line), ":") {
				return sig[:off+len(line)]
			}
		} else if i := strings.IndexByte(line, '{'); i >= 0 {
			return sig[:off+i]
		}
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return first
}

// typeNamed is the type name a variable's name spells, in PascalCase
// (request_validator and requestValidator: RequestValidator), or "" for
// a name that is capitalised already or too short to mean anything.
func typeNamed(name string) string {
	name = strings.TrimLeft(name, "_$")
	if len(name) < 3 || name[0] < 'a' || name[0] > 'z' {
		return ""
	}
	var b strings.Builder
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}

// typesIn resolves the identifiers of a signature to type definitions,
// preferring those in dir. The defined name itself is skipped.
func (x *Index) typesIn(sig, self, dir string) []*Def {
	var out []*Def
	// Seen names in a small array, not a map: signatures name a handful
	// of identifiers, and this runs for hundreds of them per request.
	var seenBuf [16]string
	seen := append(seenBuf[:0], self)
	for at := 0; at < len(sig); {
		c := sig[at]
		if !isIdentStart(c) {
			at++
			if c >= '0' && c <= '9' {
				for at < len(sig) && isIdentByte(sig[at]) {
					at++
				}
			}
			continue
		}
		j := at + 1
		for j < len(sig) && isIdentByte(sig[j]) {
			j++
		}
		id := sig[at:j]
		start := at
		at = j
		if slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		// In Go a type named without a qualifier is its own package's, and
		// one named pkg.T is in a package called pkg.
		qual := ""
		if start > 0 && sig[start-1] == '.' {
			q := start - 1
			for q > 0 && isIdentByte(sig[q-1]) {
				q--
			}
			qual = sig[q : start-1]
		}
		// The best definitions of id are out[mark:]: those in dir if
		// any, else all; none when more than three are equally good.
		mark := len(out)
		for _, d := range x.Types(id) {
			if d.File.LanguageID == "go" {
				if qual == "" && d.File.Dir != dir {
					continue
				}
				if qual != "" && d.File.Package != qual && filepath.Base(d.File.Dir) != qual {
					continue
				}
			}
			if d.File.Dir == dir {
				if len(out) > mark && out[mark].File.Dir != dir {
					out = out[:mark]
				}
				out = append(out, d)
			} else if len(out) == mark || out[mark].File.Dir != dir {
				out = append(out, d)
			}
		}
		if len(out)-mark > 3 {
			out = out[:mark]
		}
	}
	return out
}

// typeOfVar guesses the type of a variable from the nearest line before
// the cursor that declares or assigns it: "v T", "v *pkg.T", "v := &T{",
// "v := pkg.NewT(", "v = T(", "v: T", "v = new T(". A called function
// stands for the types in its signature.
func (x *Index) typeOfVar(before, v, dir string) []*Def {
	for i := len(before); i > 0; {
		j := strings.LastIndex(before[:i], v)
		if j < 0 {
			return nil
		}
		i = j
		if j > 0 && isIdentByte(before[j-1]) || j+len(v) < len(before) && isIdentByte(before[j+len(v)]) {
			continue
		}
		rest := before[j+len(v):]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		rest = strings.TrimLeft(rest, " \t")
		for _, p := range []string{":=", "=", ":"} {
			if strings.HasPrefix(rest, p) {
				rest = rest[len(p):]
				break
			}
		}
		rest = strings.TrimPrefix(strings.TrimLeft(rest, " \t*&[]"), "new ")
		chain := rest[:len(rest)-len(strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$."))]
		if chain == "" {
			continue
		}
		id := chain[strings.LastIndexByte(chain, '.')+1:]
		if ts := x.typesIn(id, "", dir); len(ts) > 0 {
			return ts
		}
		if t := strings.TrimPrefix(strings.TrimPrefix(id, "New"), "new"); t != id {
			if ts := x.typesIn(t, "", dir); len(ts) > 0 {
				return ts
			}
		}
		for _, d := range x.Named(id) {
			if d.Kind == Function || d.Kind == Method {
				if ts := x.typesIn(d.Sig(), d.Name(), d.File.Dir); len(ts) > 0 {
					return ts
				}
			}
		}
		return nil
	}
	return nil
}

func prefixBoost(name, partial string) float64 {
	if partial == "" {
		return 1
	}
	if strings.HasPrefix(strings.ToLower(name), strings.ToLower(partial)) {
		return 2
	}
	return 0.5
}

// wordBonus is how much of a name is made of words used near the cursor.
func wordBonus(name string, words map[string]float64) float64 {
	ws := wordsOf(name)
	if len(ws) == 0 {
		return 0
	}
	var s float64
	for _, w := range ws {
		if len(w) > 2 {
			s += words[w]
		}
	}
	return s / float64(len(ws))
}

// wordsOf is splitWords, cached: the same names are scored on every request.
// Reads take no lock: every candidate of every request asks.
func wordsOf(name string) []string {
	c := wordsCache.Load()
	if ws, ok := c.m.Load(name); ok {
		return ws.([]string)
	}
	ws := splitWords(name)
	if c.n.Add(1) > 1<<17 {
		wordsCache.CompareAndSwap(c, &wordCache{}) // start over rather than grow without bound
	}
	c.m.Store(name, ws)
	return ws
}

type wordCache struct {
	m sync.Map // name -> []string
	n atomic.Int32
}

var wordsCache atomic.Pointer[wordCache]

func init() { wordsCache.Store(&wordCache{}) }

func clamp(i, n int) int {
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}

// Cost is the token cost of a definition's signature lines, one token per
// line break included. It is computed once.
func (d *Def) Cost() int {
	if c := atomic.LoadInt32(&d.cost); c > 0 {
		return int(c)
	}
	c := tokens.Count(d.Sig()) + 1
	atomic.StoreInt32(&d.cost, int32(c))
	return c
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
