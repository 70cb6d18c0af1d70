package treesitter

import (
	"testing"
)

func TestLookup(t *testing.T) {
	cases := []struct{ id, path, want string }{
		{"go", "a.go", "go"},
		{"", "x/y.py", "python"},
		{"typescriptreact", "a.tsx", "typescriptreact"},
		{"plaintext", "notes.tsx", "typescriptreact"},
		{"bash", "", "shellscript"},
		{"c++", "", "cpp"},
	}
	for _, c := range cases {
		l := Lookup(c.id, c.path)
		if l == nil || l.ID != c.want {
			t.Errorf("Lookup(%q,%q) = %v, want %s", c.id, c.path, l, c.want)
		}
	}
	if l := Lookup("plaintext", "notes.txt"); l != nil {
		t.Errorf("Lookup(plaintext) = %v, want nil", l.ID)
	}
}

func TestEveryLanguageParses(t *testing.T) {
	src := map[string]string{
		"go": "package p\nfunc f() {}\n", "python": "def f():\n    pass\n", "javascript": "function f() {}\n",
		"typescript": "function f(): void {}\n", "typescriptreact": "const a = <div/>;\n", "rust": "fn f() {}\n",
		"java": "class A { void f() {} }\n", "c": "int f(void) { return 0; }\n", "cpp": "int f() { return 0; }\n",
		"csharp": "class A { void F() {} }\n", "ruby": "def f\nend\n", "php": "<?php function f() {}\n",
		"shellscript": "f() { echo hi; }\n", "lua": "local function f() end\n",
	}
	for _, l := range Languages() {
		s, ok := src[l.ID]
		if !ok {
			t.Errorf("no sample for %s", l.ID)
			continue
		}
		tr, err := Parse(l, []byte(s))
		if err != nil {
			t.Fatalf("%s: %v", l.ID, err)
		}
		if tr.Root().HasError() {
			t.Errorf("%s: sample parsed with errors: %s", l.ID, tr.Root())
		}
		tr.Close()
	}
}

func TestIncrementalEqualsFresh(t *testing.T) {
	l := Lookup("go", "")
	src := []byte("package p\n\nfunc f() {\n}\n")
	tr, err := Parse(l, src)
	if err != nil {
		t.Fatal(err)
	}
	// Insert "\treturn\n" at the start of line 3 (byte 22).
	ins := []byte("\treturn\n")
	at := uint32(22)
	nsrc := append(append(append([]byte{}, src[:at]...), ins...), src[at:]...)
	tr.Edit(Edit{StartByte: at, OldEndByte: at, NewEndByte: at + uint32(len(ins)),
		StartPoint: Point{Row: 3}, OldEndPoint: Point{Row: 3}, NewEndPoint: Point{Row: 4}})
	tr, err = tr.Reparse(nsrc)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	fresh, _ := Parse(l, nsrc)
	defer fresh.Close()
	if got, want := tr.Root().String(), fresh.Root().String(); got != want {
		t.Fatalf("incremental tree differs:\n%s\n%s", got, want)
	}
}

func TestQuery(t *testing.T) {
	l := Lookup("go", "")
	src := []byte("package p\nfunc A() {}\nfunc B() {}\n")
	tr, _ := Parse(l, src)
	defer tr.Close()
	q, err := CompileQuery(l, `(function_declaration name: (identifier) @name)`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	q.Matches(tr.Root(), src, 0, 0, func(m Match) bool {
		names = append(names, m.Captures[0].Node.Content(src))
		return true
	})
	if len(names) != 2 || names[0] != "A" || names[1] != "B" {
		t.Fatalf("names = %v", names)
	}
	if _, err := CompileQuery(l, `(nonsense_node) @x`); err == nil {
		t.Fatal("bad query compiled")
	}
}
