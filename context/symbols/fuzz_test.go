package symbols

import (
	"strings"
	"testing"

	"github.com/inkling-ls/inkling/treesitter"
)

// FuzzExtract: any text, read as each language, gives definitions whose
// names are in the text and whose lines are inside it, without a panic,
// and the index takes the file, finds its definitions by name and
// forgets it. (A Go //line directive once made go/parser's positions
// point outside the file, and the indexer's panic ended the server.)
func FuzzExtract(f *testing.F) {
	f.Add("package p\n\nfunc F(x int) int {\n\treturn x\n}\n\ntype T struct{ A int }\n", uint8(0))
	f.Add("package p\n\n//line gen.y:1000006\nfunc f() {}\n", uint8(0))
	f.Add("def f(x):\n    return x\n\nclass C:\n    def m(self): pass\n", uint8(1))
	f.Add("export function f() {}\nclass C { m() {} }\n", uint8(2))
	f.Add("fn f() {}\nstruct S { a: i32 }\nimpl S { fn m(&self) {} }\n", uint8(5))
	f.Add("int f(void) { return 0; }\nstruct s { int a; };\n", uint8(7))
	langs := treesitter.Languages()
	f.Fuzz(func(t *testing.T, src string, li uint8) {
		if len(src) > 1<<14 {
			return
		}
		lang := langs[int(li)%len(langs)]
		path := "/w/p/x" + lang.Extensions[0]
		file := Extract(lang, path, []byte(src), nil)
		lines := int32(strings.Count(src, "\n") + 1)
		for i := range file.Defs {
			d := &file.Defs[i]
			if d.Name() == "" || !strings.Contains(src, d.Name()) {
				t.Fatalf("%s: definition named %q, not in the text", lang.ID, d.Name())
			}
			if d.Start < 0 || d.Start > d.Line || d.Line > d.End || d.End >= lines {
				t.Fatalf("%s: %q at lines %d..%d, name on %d, of %d lines", lang.ID, d.Name(), d.Start, d.End, d.Line, lines)
			}
		}
		x := NewIndex()
		x.Update(file)
		for i := range file.Defs {
			if len(x.Named(file.Defs[i].Name())) == 0 {
				t.Fatalf("%s: %q not found by name", lang.ID, file.Defs[i].Name())
			}
		}
		x.Remove(path)
		for i := range file.Defs {
			if n := len(x.Named(file.Defs[i].Name())); n != 0 {
				t.Fatalf("%s: %q found %d times after the file was removed", lang.ID, file.Defs[i].Name(), n)
			}
		}
	})
}
