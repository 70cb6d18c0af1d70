// Package nvim_test runs the Neovim plugin in real, headless Neovim sessions:
// Debian bookworm's Neovim 0.7.2 and Debian sid's 0.12 (unpacked by
// .ci/install-editors-a.sh), each against the real inkling binary and a fake
// model that speaks the OpenAI completions wire format.
//
// Each session is a Lua script in testdata/ that types, watches the ghost
// text and accepts it; its exit status is the verdict and its log is printed.
package nvim_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/editors/editortest"
)

// A Neovim to test with: Debian's 0.7.2 from $PATH, and sid's 0.12.
type neovim struct {
	name string
	path func(t *testing.T) string
}

var neovims = []neovim{
	{"0.7", func(t *testing.T) string { return editortest.Require(t, "nvim") }},
	{"0.12", func(t *testing.T) string {
		return editortest.Require(t, filepath.Join(editortest.SidRoot(), "usr/bin/nvim"))
	}},
}

const goFile = `package main

func greet(name string) string {
}

func sum(xs []int) int {
}
`

type session struct {
	script string            // file in testdata/
	line   int               // 1-based line that `o` opens a line below
	env    map[string]string // INKLING_TEST_* for the script
	model  func(providertest.Recorded) providertest.Reply
}

// run runs one headless session and returns the file as saved.
func run(t *testing.T, nvim string, s session) string {
	t.Helper()
	model := providertest.Start(t, s.model)
	inkling := editortest.Inkling(t)
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	file := filepath.Join(ws, "main.go")
	logFile := filepath.Join(dir, "session.log")
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "go.mod"), []byte("module example.com/ws\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(goFile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _ := json.Marshal([]string{inkling, "serve"})
	here, _ := os.Getwd()
	env := map[string]string{
		"HOME":              dir,
		"XDG_CONFIG_HOME":   filepath.Join(dir, "config"),
		"XDG_DATA_HOME":     filepath.Join(dir, "data"),
		"XDG_STATE_HOME":    filepath.Join(dir, "state"),
		"XDG_CACHE_HOME":    filepath.Join(dir, "cache"),
		"INKLING_PROVIDER":  "openai",
		"INKLING_ENDPOINT":  model.URL + "/v1",
		"INKLING_MODEL":     "qwen2.5-coder:1.5b",
		"INKLING_TEST_LIB":  filepath.Join(here, "testdata", "lib.lua"),
		"INKLING_TEST_LOG":  logFile,
		"INKLING_TEST_CMD":  string(cmd),
		"INKLING_TEST_FILE": file,
		"INKLING_TEST_LINE": strconv.Itoa(s.line),
	}
	for k, v := range s.env {
		env[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-n", "-i", "NONE",
		"--cmd", "set rtp^="+here, "-S", filepath.Join(here, "testdata", s.script))
	c.Dir = ws
	c.Env = os.Environ()
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	start := time.Now()
	out, err := c.CombinedOutput()
	sessionLog, _ := os.ReadFile(logFile)
	t.Logf("%s %s (%v):\n%s", filepath.Base(nvim), s.script, time.Since(start).Round(time.Millisecond), sessionLog)
	if err != nil {
		t.Fatalf("session failed: %v\nneovim output: %q", err, out)
	}
	if n := len(model.Requests()); n == 0 {
		t.Fatalf("the model got no request")
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(saved)
}

// TestGhostText types the start of a line, waits for the ghost text, which
// must be drawn while the answer streams, accepts it with <Tab> and checks
// the saved file. The line has a character outside ASCII before the cursor,
// where UTF-16 positions (Neovim 0.7) and bytes (0.12 negotiates UTF-8)
// part ways.
func TestGhostText(t *testing.T) {
	cases := []struct {
		name    string
		nvim    neovim
		builtin bool
	}{
		{"0.7", neovims[0], false},
		{"0.12", neovims[1], false},
		{"0.12-builtin", neovims[1], true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nvim := tc.nvim.path(t)
			builtin := "0"
			if tc.builtin {
				builtin = "1"
			}
			saved := run(t, nvim, session{
				script: "ghost_test.lua",
				line:   3,
				model:  editortest.Towards(`return "¡hola, " + name`, 40*time.Millisecond),
				env: map[string]string{
					"INKLING_TEST_TYPE":    `return "¡ho`,
					"INKLING_TEST_GHOST":   `la, " + name`,
					"INKLING_TEST_BUILTIN": builtin,
				},
			})
			want := "func greet(name string) string {\n\treturn \"¡hola, \" + name\n}\n"
			if !strings.Contains(saved, want) {
				t.Errorf("saved file:\n%s\nwant it to contain:\n%s", saved, want)
			}
		})
	}
}

// TestActions covers accept word, accept line, dismiss, the manual trigger,
// next/previous and the :Inkling commands on a multi-line suggestion.
func TestActions(t *testing.T) {
	const body = "total := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total"
	// What the model samples when next/previous asks for alternatives.
	const other = "total := 0\n\tfor i := range xs {\n\t\ttotal += xs[i]\n\t}\n\treturn total"
	for _, nv := range neovims {
		t.Run(nv.name, func(t *testing.T) {
			nvim := nv.path(t)
			saved := run(t, nvim, session{
				script: "actions_test.lua",
				line:   6,
				model:  editortest.Sampled(editortest.Towards(body, 40*time.Millisecond), editortest.Towards(other, 0)),
				env:    map[string]string{"INKLING_TEST_FULL": "\t" + body},
			})
			want := "func sum(xs []int) int {\n\t" + body + "\n}\n"
			if !strings.Contains(saved, want) {
				t.Errorf("saved file:\n%s\nwant it to contain:\n%s", saved, want)
			}
		})
	}
}

// TestBuiltin drives Neovim 0.12's own vim.lsp.inline_completion through the
// plugin's keys: accept a word, dismiss, type on, accept the rest.
func TestBuiltin(t *testing.T) {
	nvim := neovims[1].path(t)
	const line = `return "¡hola, " + name`
	saved := run(t, nvim, session{
		script: "builtin_test.lua",
		line:   3,
		model:  editortest.Towards(line, 40*time.Millisecond),
		env: map[string]string{
			"INKLING_TEST_TYPE": `return "¡ho`,
			"INKLING_TEST_NEXT": ",",
			"INKLING_TEST_FULL": "\t" + line,
		},
	})
	if want := "\n\t" + line + "\n}\n"; !strings.Contains(saved, want) {
		t.Errorf("saved file:\n%s\nwant it to contain:\n%s", saved, want)
	}
}
