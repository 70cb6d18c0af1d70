package local

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inkling-ls/inkling/completion/provider"
)

// FuzzEngine: any text, in each lexer's language, lexes back to itself
// byte for byte, and trains, opens, completes at any cursor and is
// forgotten without a panic; what is offered for valid UTF-8 cut at a
// character boundary is valid UTF-8, and forgetting leaves nothing
// counted.
func FuzzEngine(f *testing.F) {
	f.Add("package p\n\nfunc f() {\n\treturn\n}\n", uint8(0), uint16(20))
	f.Add("int main(void) { /* x */ return 'a'; }\n", uint8(1), uint16(17))
	f.Add("def f(x):\n    s = \"\"\"abc\n    return x\n", uint8(2), uint16(10))
	f.Add("def f?\n  x = 'é😀'\nend\n", uint8(3), uint16(6))
	f.Add("local s = [[a\n--[[ b", uint8(4), uint16(3))
	f.Add("echo $x # c\nfoo#bar\n", uint8(5), uint16(4))
	f.Add("\xff\xfe\t\r\n", uint8(6), uint16(2))
	langs := []string{"go", "c", "python", "ruby", "lua", "shellscript", "plaintext"}
	f.Fuzz(func(t *testing.T, text string, lang uint8, at uint16) {
		if len(text) > 1<<14 {
			return
		}
		l := langs[int(lang)%len(langs)]
		var b strings.Builder
		for _, tok := range Lex(l, "f", text) {
			b.WriteString(tok.Space + tok.Text)
		}
		if b.String() != text {
			t.Fatalf("%s: tokens give back %q", l, b.String())
		}
		e := New(Options{})
		e.Train("a", l, text)
		e.SetOpen("b", text)
		// The server cuts prompts at character boundaries.
		off := int(at) % (len(text) + 1)
		for off > 0 && off < len(text) && !utf8.RuneStart(text[off]) {
			off--
		}
		got, _ := e.Suggest(provider.Prompt{Path: "c", Language: l, Prefix: text[:off], Suffix: text[off:]})
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("%s at %d: offered invalid UTF-8 %q", l, off, got)
		}
		e.Forget("a")
		e.SetOpen("b", "")
		if st := e.Stats(); st.Tokens != 0 || st.Files != 0 || e.global.root.seen != 0 {
			t.Fatalf("after forgetting: %+v, root %+v", st, e.global.root)
		}
	})
}
