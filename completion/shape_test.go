package completion

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/inkling-ls/inkling/context/workspace"
)

const cursor = "‸"

// TestShapeAndCut runs the txtar cases in testdata/shape: each has an input
// file with a cursor marker, a model answer, and the expected shape and
// suggestion after streaming the answer one character at a time.
func TestShapeAndCut(t *testing.T) {
	files, _ := filepath.Glob("../testdata/shape/*.txtar")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var input, inputName, answer, want string
			for _, f := range ar.Files {
				switch {
				case strings.HasPrefix(f.Name, "input"):
					input, inputName = string(f.Data), f.Name
				case f.Name == "answer":
					answer = strings.TrimSuffix(string(f.Data), "\n")
				case f.Name == "want":
					want = string(f.Data)
				}
			}
			offset := strings.Index(input, cursor)
			if offset < 0 {
				t.Fatal("no cursor marker")
			}
			text := input[:offset] + input[offset+len(cursor):]
			ws := workspace.New()
			uri := "file:///w/" + inputName
			ws.Open(uri, "", 1, text)
			snap, _ := ws.Snapshot(uri, true)
			defer snap.Close()

			wantShape, wantText, _ := strings.Cut(want, "\n")
			wantText = strings.TrimSuffix(wantText, "\n")
			shape, ok := decideShape(snap, offset)
			got := "single"
			switch {
			case !ok:
				got = "none"
			case shape.Multiline:
				got = "multiline"
			}
			if got != wantShape {
				t.Fatalf("shape = %s, want %s", got, wantShape)
			}
			if !ok {
				return
			}
			c := newCutter(shape, langID(snap))
			for _, r := range answer {
				if c.feed(string(r)) {
					break
				}
			}
			c.end()
			if res := finish(c.answer(), shape); res != wantText {
				t.Errorf("suggestion:\n%q\nwant:\n%q", res, wantText)
			}
		})
	}
}
