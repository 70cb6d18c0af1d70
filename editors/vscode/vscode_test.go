// Package vscode_test packages the extension with vsce and runs it in real
// VS Code (code-server, VS Code for the web) in headless Chromium, against the
// real inkling binary and a fake model server. .ci/install-editors-b.sh
// installs the tools.
package vscode_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
	"github.com/inkling-ls/inkling/editors/editortest"
)

// suggestion is what the fake model answers to every request.
const suggestion = "return a + b"

// tools is where the install script put code-server and playwright-core.
func tools() string {
	if d := os.Getenv("INKLING_EDITORS_B"); d != "" {
		return filepath.Join(d, "vscode-test")
	}
	return "/opt/inkling-editors-b/vscode-test"
}

// isolatedEnv is the environment with a fresh HOME and XDG folders under dir
// (code-server and Chromium write state there) and without INKLING_*
// variables, so the settings the test passes are the ones used.
func isolatedEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "HOME" || strings.HasPrefix(k, "XDG_") || strings.HasPrefix(k, "INKLING_") {
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(dir, "home")
	return append(env, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local/share"),
		"XDG_STATE_HOME="+filepath.Join(home, ".local/state"))
}

func run(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s (%v):\n%s", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("%s failed: %v", filepath.Base(name), err)
	}
}

func TestVSCode(t *testing.T) {
	node := editortest.Require(t, "node")
	npm := editortest.Require(t, "npm")
	browser := editortest.Require(t, "chromium", "/usr/bin/chromium")
	editortest.Require(t, filepath.Join(tools(), "node_modules", ".bin", "code-server"))
	ext, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	editortest.Require(t, filepath.Join(ext, "node_modules", ".bin", "vsce"))
	inkling := editortest.Inkling(t)
	model := providertest.Start(t, providertest.Fixed(suggestion))

	work := t.TempDir()
	env := isolatedEnv(work)

	// Type-check, bundle and package, as a release would.
	vsix := filepath.Join(work, "inkling.vsix")
	run(t, 2*time.Minute, ext, env, npm, "run", "--silent", "package", "--", "-o", vsix)

	// The screenshot outlives the test: it goes to an ignored folder.
	artifacts := filepath.Join(ext, "test", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "vscode-ghost-text.png")
	os.Remove(shot)

	session := filepath.Join(work, "session")
	if err := os.MkdirAll(session, 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(env,
		"VSCODE_TEST_TOOLS="+tools(),
		"VSIX="+vsix,
		"INKLING_BIN="+inkling,
		"MODEL_ENDPOINT="+model.URL+"/v1",
		"MODEL=qwen2.5-coder:1.5b",
		"WORK="+session,
		"EXPECT="+suggestion,
		"SHOT="+shot,
		"CHROMIUM="+browser,
	)
	run(t, 3*time.Minute, ext, env, node, filepath.Join("test", "run-code-server.js"))

	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot of the ghost text: %s", shot)
	}
	got, err := os.ReadFile(filepath.Join(session, "ws", "demo.py"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "def add(a, b):\n    " + suggestion; string(got) != want {
		t.Errorf("saved file = %q, want %q", got, want)
	}
	reqs := model.Requests()
	if len(reqs) == 0 {
		t.Fatal("the model got no request")
	}
	if p := reqs[len(reqs)-1].Str("prompt"); !strings.Contains(p, "def add(a, b):") {
		t.Errorf("the prompt lacks the buffer's text: %q", p)
	}
}
