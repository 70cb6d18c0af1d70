package workspace

import (
	"strings"
	"testing"
)

// BenchmarkChange is one typed character applied to a 10,000-line
// document (no tree: the reparse is measured in server/replay's
// BenchmarkDidChange): what a key costs the read loop before the request
// that came with it can be read.
func BenchmarkChange(b *testing.B) {
	defer func(n int) { lineBlockSize = n }(lineBlockSize)
	lineBlockSize = 1024 // as in the server, not the tests' small blocks
	line := "\tfmt.Println(strings.Repeat(\"x\", 42)) // some code\n"
	text := strings.Repeat(line, 10000)
	// The server's live heap is some 20 MB: without it, the garbage of
	// each key's new text would have the collector run every few keys.
	ballast := make([]byte, 32<<20)
	defer func() { _ = ballast[0] }()
	w := New()
	const uri = "file:///bench/big.txt"
	w.Open(uri, "plaintext", 1, text)
	pos := Position{Line: 5000, Character: 1}
	b.ReportAllocs()
	v := int32(1)
	for b.Loop() {
		v++
		r := Range{Start: pos, End: pos}
		if err := w.Change(uri, v, []Change{{Range: &r, Text: "a"}}, UTF16); err != nil {
			b.Fatal(err)
		}
		pos.Character++
		if pos.Character > 40 {
			pos = Position{Line: pos.Line + 1, Character: 1}
		}
	}
}
