package replay

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/tools/txtar"
)

// Case is a file to type: Text is the file as it ends, and the bytes
// [Start, End) of it are typed one key at a time into a buffer that holds
// the rest from the beginning.
type Case struct {
	Name       string
	Path       string // file name, for the language and the prompt header
	Text       string
	Start, End int
}

// Initial is the buffer before the first key.
func (c *Case) Initial() string { return c.Text[:c.Start] + c.Text[c.End:] }

// Keys are the keystrokes, one rune each.
func (c *Case) Keys() []string {
	var keys []string
	for _, r := range c.Text[c.Start:c.End] {
		keys = append(keys, string(r))
	}
	return keys
}

// Region markers in a case file: the text between them is typed.
const (
	startMark = "«"
	endMark   = "»"
)

// LoadCase reads a case: a txtar archive whose first file holds the text,
// with the part to type between « and », or any other file, typed whole.
func LoadCase(path string) (*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := path
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if !strings.HasSuffix(path, ".txtar") {
		return &Case{Name: name, Path: name, Text: string(data), End: len(data)}, nil
	}
	ar := txtar.Parse(data)
	if len(ar.Files) == 0 {
		return nil, fmt.Errorf("%s: no file in the archive", path)
	}
	f := ar.Files[0]
	text := string(f.Data)
	start := strings.Index(text, startMark)
	end := strings.Index(text, endMark)
	if start < 0 || end < start {
		return &Case{Name: name, Path: f.Name, Text: text, End: len(text)}, nil
	}
	text = text[:start] + text[start+len(startMark):end] + text[end+len(endMark):]
	return &Case{Name: strings.TrimSuffix(name, ".txtar"), Path: f.Name, Text: text, Start: start, End: end - len(startMark)}, nil
}
