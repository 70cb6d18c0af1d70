package local

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the symbols sections of testdata/local/*.txtar")

// TestLex checks, for each case in testdata/local, that the tokens give
// back the input byte for byte and that the model sees the symbols listed
// in the case (layout symbols written ⏎, ⏎+, ⏎-, with ⏎⏎ for a blank line).
func TestLex(t *testing.T) {
	paths, _ := filepath.Glob("../../../testdata/local/*.txtar")
	if len(paths) == 0 {
		t.Fatal("no cases")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var name, src string
			want := ""
			for _, f := range ar.Files {
				if strings.HasPrefix(f.Name, "input.") {
					name, src = f.Name, string(f.Data)
				}
				if f.Name == "symbols" {
					want = string(f.Data)
				}
			}
			toks := Lex("", name, src)
			var b strings.Builder
			for _, tk := range toks {
				if tk.Open {
					t.Errorf("token %q left open", tk.Text)
				}
				b.WriteString(tk.Space + tk.Text)
			}
			if b.String() != src {
				t.Errorf("round trip differs:\n%s", cmp.Diff(src, b.String()))
			}
			sp := specFor("", name)
			lay := newLayout(sp)
			syms, _ := symbols(toks, &lay, nil, nil)
			var got strings.Builder
			for _, s := range syms {
				got.WriteString(strings.ReplaceAll(s, "\n", "⏎") + "\n")
			}
			if *update {
				var files []txtar.File
				for _, f := range ar.Files {
					if f.Name != "symbols" {
						files = append(files, f)
					}
				}
				ar.Files = append(files, txtar.File{Name: "symbols", Data: []byte(got.String())})
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == "" {
				t.Fatal("case has no symbols section; run with -update and review it")
			}
			if d := cmp.Diff(want, got.String()); d != "" {
				t.Errorf("symbols (-want +got):\n%s", d)
			}
		})
	}
}

func TestLexOpen(t *testing.T) {
	for _, c := range []struct {
		lang, src string
		kind      Kind
	}{
		{"go", `x := "abc`, String},
		{"go", "x := `abc\ndef", String},
		{"go", "x := 1 // note", Comment},
		{"go", "/* note", Comment},
		{"python", `s = """doc`, String},
		{"typescript", "s = `a ${b}", String},
	} {
		toks := Lex(c.lang, "", c.src)
		last := toks[len(toks)-1]
		if last.Kind != c.kind || (c.kind == String && !last.Open) {
			t.Errorf("%s %q: last token %+v, want an open %v", c.lang, c.src, last, c.kind)
		}
	}
	// A Rust lifetime is not an unterminated character literal.
	toks := Lex("rust", "", "fn f<'a>(x: &'a str) -> char { 'x' }")
	for _, tk := range toks {
		if tk.Open {
			t.Errorf("rust: %q left open", tk.Text)
		}
	}
}
