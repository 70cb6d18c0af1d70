package symbols

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// goRaws finds the definitions of a Go file with go/parser, as the tags
// query (treesitter/queries/tags/go.scm) finds them: the same names, kinds
// and node ranges, so that build makes the same Defs of either. It fills
// f's package and imports, and reports false when src does not parse.
func goRaws(f *File, src []byte) ([]rawDef, bool) {
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, f.Path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, false
	}
	tf := fset.File(af.Pos())
	g := goWalk{tf: tf, raws: make([]rawDef, 0, 64)}
	f.Package = af.Name.Name
	for _, is := range af.Imports {
		imp := Import{Path: strings.Trim(is.Path.Value, "\"'`<>")}
		if is.Name != nil {
			imp.Name = is.Name.Name
		}
		if imp.Path != "" {
			f.Imports = append(f.Imports, imp)
		}
	}
	for _, decl := range af.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			// Nothing inside a function is part of the API: only the
			// function itself.
			kind, recv := Function, ""
			if d.Recv != nil {
				if recv = receiverType(d.Recv); recv == "" {
					continue // the query matches none but these receivers
				}
				kind = Method
			}
			r := g.raw(d.Name, kind, d.Pos(), d.End())
			r.recv = recv
			if d.Body != nil {
				r.bodyRow = g.row(d.Body.Lbrace)
				r.bodyCol = tf.Offset(d.Body.Lbrace) - tf.Offset(tf.LineStart(r.bodyRow+1))
			}
			g.raws = append(g.raws, r)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					kind := Var
					if d.Tok == token.CONST {
						kind = Constant
					}
					names := s.Names
					if kind == Constant {
						// The first name only, as the query matches: "const
						// A, B = 1, 2" defines B too, but the same
						// definitions from either extractor keep the index
						// independent of which one ran.
						names = names[:1]
					}
					for _, n := range names {
						g.raws = append(g.raws, g.raw(n, kind, s.Pos(), s.End()))
					}
					g.inspect(s)
				case *ast.TypeSpec:
					g.inspect(s)
				}
			}
		}
	}
	return g.raws, true
}

type goWalk struct {
	tf   *token.File
	raws []rawDef
}

// row is the 0-based line of p in the file itself: token.File.Line
// follows //line directives, which generated files carry and which can
// name any line of any file.
func (g *goWalk) row(p token.Pos) int { return g.tf.PositionFor(p, false).Line - 1 }

// raw is a definition of name by the node spanning [pos, end).
func (g *goWalk) raw(name *ast.Ident, kind Kind, pos, end token.Pos) rawDef {
	return rawDef{
		name: name.Name, kind: kind,
		start: uint32(g.tf.Offset(pos)), end: uint32(g.tf.Offset(end)),
		nameRow: g.row(name.Pos()), startRow: g.row(pos), endRow: g.row(end),
		bodyRow: -1,
	}
}

// inspect collects the type specs, struct fields and interface elements
// anywhere under n, function literals included, as the query does outside
// function declarations.
func (g *goWalk) inspect(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			g.raws = append(g.raws, g.raw(n.Name, Type, n.Pos(), n.End()))
		case *ast.StructType:
			for _, fd := range n.Fields.List {
				if len(fd.Names) > 0 {
					for _, name := range fd.Names {
						g.raws = append(g.raws, g.raw(name, Field, fd.Pos(), fd.End()))
					}
				} else if id := embedded(fd.Type, true); id != nil {
					g.raws = append(g.raws, g.raw(id, Embed, fd.Pos(), fd.End()))
				}
			}
		case *ast.InterfaceType:
			for _, fd := range n.Methods.List {
				if len(fd.Names) > 0 {
					for _, name := range fd.Names {
						g.raws = append(g.raws, g.raw(name, Method, fd.Pos(), fd.End()))
					}
					continue
				}
				// A type element: each plain or qualified type name in
				// it, as in A | B.
				for _, t := range unionTerms(fd.Type, nil) {
					if id := embedded(t, false); id != nil {
						g.raws = append(g.raws, g.raw(id, Embed, fd.Pos(), fd.End()))
					}
				}
			}
		}
		return true
	})
}

// embedded is the type name of an embedded field (T, pkg.T and, in a
// struct, *T, *pkg.T), or nil for any other type.
func embedded(t ast.Expr, pointer bool) *ast.Ident {
	if s, ok := t.(*ast.StarExpr); ok && pointer {
		t = s.X
	}
	switch t := t.(type) {
	case *ast.Ident:
		return t
	case *ast.SelectorExpr:
		if _, ok := t.X.(*ast.Ident); ok {
			return t.Sel
		}
	}
	return nil
}

// unionTerms flattens A | B | C.
func unionTerms(t ast.Expr, out []ast.Expr) []ast.Expr {
	if b, ok := t.(*ast.BinaryExpr); ok && b.Op == token.OR {
		return unionTerms(b.Y, unionTerms(b.X, out))
	}
	return append(out, t)
}

// receiverType is the type name of a method's receiver: T, *T, T[P] or
// *T[P]; "" for any other form.
func receiverType(recv *ast.FieldList) string {
	if len(recv.List) == 0 {
		return ""
	}
	t := recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
