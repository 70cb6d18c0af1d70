// Package helix_test runs Helix (Debian sid's hx, unpacked by
// .ci/install-editors-a.sh) in tmux with the languages.toml of this folder
// against the real inkling binary and a fake model: it types, picks
// Inkling's item from the completion menu, saves and checks the file.
// Helix has no headless mode, so tmux is the terminal and capture-pane the
// screen.
package helix_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/editors/editortest"
)

// quote makes s one word for sh.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// terminal is a tmux server of our own (its own socket) running one program.
type terminal struct {
	t      *testing.T
	tmux   string
	socket string
}

func (term *terminal) run(args ...string) string {
	term.t.Helper()
	out, err := exec.Command(term.tmux, append([]string{"-L", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (term *terminal) screen() string {
	return term.run("capture-pane", "-p", "-t", "hx")
}

// keys sends keys to Helix. Escape must go alone: followed by more keys in
// the same batch Helix reads it as Alt.
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	term.run(append([]string{"send-keys", "-t", "hx"}, keys...)...)
	time.Sleep(100 * time.Millisecond)
}

// waitFor polls until ok holds, failing with the screen after timeout.
func (term *terminal) waitFor(what string, timeout time.Duration, ok func() bool) {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			term.t.Fatalf("waiting for %s: timed out; screen:\n%s", what, term.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const goFile = "package main\n\nfunc add(a, b int) int {\n}\n\nfunc sum(xs []int) int {\n}\n"

// TestCompletionMenu types the start of a line under a function header,
// picks Inkling's item (labelled with the suggestion's first line) from the
// menu, saves, and checks that the file has the whole suggestion, with its
// indentation as the model wrote it.
func TestCompletionMenu(t *testing.T) {
	cases := []struct {
		name   string
		line   int    // the line `o` opens a line under
		typed  string // typed after a Tab; "" asks with C-x on the empty line
		target string // what the model completes the line into
	}{
		{"line", 3, "ret", "return a + b"},
		// Inkling suggests several lines only at the start of a block.
		{"lines", 6, "", "total := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			label := strings.SplitN(tc.target, "\n", 2)[0]
			saved := session(t, tc.line, tc.typed, tc.target, label)
			header := strings.Split(goFile, "\n")[tc.line-1]
			if want := header + "\n\t" + tc.target + "\n}\n"; !strings.Contains(saved, want) {
				t.Errorf("saved file:\n%s\nwant it to contain:\n%s", saved, want)
			}
		})
	}
}

// session runs one Helix session and returns the file as saved.
func session(t *testing.T, line int, typed, target, label string) string {
	hx := editortest.Require(t, filepath.Join(editortest.SidRoot(), "usr/bin/hx"))
	tmux := editortest.Require(t, "tmux")
	model := providertest.Start(t, editortest.Towards(target, 0))
	inkling := editortest.Inkling(t)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config", "helix")
	bin := filepath.Join(dir, "bin")
	ws := filepath.Join(dir, "ws")
	for _, d := range []string{cfg, bin, ws} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The user's setup from README.md: this folder's languages.toml and
	// config.toml, and inkling on $PATH.
	for _, f := range []string{"languages.toml", "config.toml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(inkling, filepath.Join(bin, "inkling")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(ws, "main.go")
	if err := os.WriteFile(file, []byte(goFile), 0o644); err != nil {
		t.Fatal(err)
	}

	term := &terminal{t: t, tmux: tmux, socket: fmt.Sprintf("inkling-hx-%d", os.Getpid())}
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", term.socket, "kill-server").Run() })
	env := []string{
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"PATH=" + bin + ":/usr/bin:/bin",
		"INKLING_PROVIDER=openai",
		"INKLING_ENDPOINT=" + model.URL + "/v1",
		"INKLING_MODEL=qwen2.5-coder:1.5b",
	}
	// The environment goes through env(1) in the command: with tmux's own
	// new-session -e, Helix 25.07 never got inkling started.
	shell := []string{"env"}
	for _, e := range env {
		shell = append(shell, quote(e))
	}
	// -v logs the LSP traffic, which tells when inkling is ready and what
	// went wrong if anything does.
	logFile := filepath.Join(dir, "helix.log")
	start := time.Now()
	shell = append(shell, quote(hx), "-v", "--log", quote(logFile), fmt.Sprintf("main.go:%d", line))
	term.run("-f", "/dev/null", "new-session", "-d", "-s", "hx", "-x", "100", "-y", "20", "-c", ws, strings.Join(shell, " "))
	defer func() {
		if t.Failed() {
			log, _ := os.ReadFile(logFile)
			t.Logf("helix.log:\n%s", log)
		}
	}()
	term.waitFor("Helix to open the file", 10*time.Second, func() bool {
		return strings.Contains(term.screen(), "func add(a, b int) int {")
	})
	// Typing before the server is up would ask nobody.
	term.waitFor("inkling to start", 10*time.Second, func() bool {
		log, _ := os.ReadFile(logFile)
		return bytes.Contains(log, []byte(`inkling -> {"jsonrpc":"2.0","method":"initialized"`))
	})

	// Open a line under the function header, indent it and start typing.
	term.keys("o")
	if typed != "" {
		term.keys("Tab", typed)
	} else {
		term.keys("Tab", "C-x")
	}
	term.waitFor("Inkling's item in the completion menu", 15*time.Second, func() bool {
		return strings.Contains(term.screen(), label)
	})
	menu := term.screen()
	t.Logf("screen with the menu:\n%s", menu)

	// Tab selects the first item and inserts it; leave insert mode and save.
	term.keys("Tab")
	term.keys("Escape")
	term.keys(":w", "Enter")
	term.waitFor("the file to be saved", 5*time.Second, func() bool {
		b, _ := os.ReadFile(file)
		return !bytes.Equal(b, []byte(goFile))
	})
	term.keys(":q!", "Enter")
	t.Logf("typed, picked and saved in %v", time.Since(start).Round(time.Millisecond))
	if len(model.Requests()) == 0 {
		t.Error("the model got no request")
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(saved)
}
