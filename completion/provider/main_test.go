package provider

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind: every stream
// a backend opens must be closed, whichever way the request ends.
func TestMain(m *testing.M) {
	code := m.Run()
	drains.Wait()
	sharedDirect.CloseIdleConnections()
	spares.closeAll()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// complete runs p and returns the pieces onText saw.
func complete(t testing.TB, prov Provider, p Prompt) ([]string, error) {
	t.Helper()
	var got []string
	err := prov.Complete(context.Background(), p, func(s string) bool {
		got = append(got, s)
		return true
	})
	return got, err
}

func mustNew(t testing.TB, cfg Config) Provider {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// goPrompt is a small prompt in the middle of a Go function.
var goPrompt = Prompt{
	Path:     "calc/add.go",
	Language: "go",
	Context:  []Snippet{{Path: "calc/types.go", Text: "type Num int\n"}},
	Prefix:   "package calc\n\nfunc Add(a, b Num) Num {\n\t",
	Suffix:   "\n}\n",
	Stop:     []string{"\n"},
}
