package neighbors

import (
	"strings"
	"testing"
)

// TestFind: the tab window that shares the cursor's words wins, tabs of
// another language and the current buffer are skipped, and a window that
// repeats the local window is dropped.
func TestFind(t *testing.T) {
	filler := strings.Repeat("unrelated words here\n", 100)
	similar := filler + "func parseConfig(path string) (*Config, error) {\n\tdata, err := os.ReadFile(path)\n}\n" + filler
	cur := "package p\n\nfunc load() {\n\tdata, err := os.ReadFile(configPath)\n\tparseConfig"
	tabs := []Tab{
		{URI: "cur", LanguageID: "go", Text: cur},
		{URI: "py", Path: "x.py", LanguageID: "python", Text: similar},
		{URI: "a", Path: "a.go", LanguageID: "go", Text: filler},
		{URI: "b", Path: "b.go", LanguageID: "go", Text: similar},
	}
	ws := Find("cur", "go", cur, len(cur), tabs, Copilot)
	if len(ws) == 0 || ws[0].Path != "b.go" || !strings.Contains(ws[0].Text, "parseConfig") {
		t.Fatalf("windows = %+v", ws)
	}
	for _, w := range ws {
		if w.Path == "x.py" || w.Path == "" {
			t.Errorf("window from %q", w.Path)
		}
	}
	o := Copilot
	o.MaxFileChars = 0
	o.Local = similar
	for _, w := range Find("cur", "go", cur, len(cur), tabs, o) {
		if w.Path == "b.go" {
			t.Errorf("a window repeating the local window was kept")
		}
	}
}
