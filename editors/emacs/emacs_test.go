// Package emacs_test runs inkling.el in a real Emacs (emacs --batch) against
// the real inkling binary and a fake model server, through Eglot, lsp-mode 8
// (Debian bookworm) and lsp-mode 10 (Debian sid's sources, unpacked by
// .ci/install-editors-b.sh).
package emacs_test

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

// suggestion is what the fake model answers; other is what it answers
// when sampled, for the alternatives that next/previous ask for.
const (
	suggestion = "return a + b"
	other      = "return b + a"
)

// lspMode10 returns the load path for lsp-mode 10 and the newer libraries it needs.
func lspMode10(t *testing.T) string {
	cache := os.Getenv("INKLING_EDITORS_B")
	if cache == "" {
		cache = "/opt/inkling-editors-b"
	}
	src := filepath.Join(cache, "elpa-sid/usr/share/emacs/site-lisp/elpa-src")
	editortest.Require(t, filepath.Join(src, "lsp-mode-10.0.0", "lsp-inline-completion.el"))
	var dirs []string
	for _, glob := range []string{"lsp-mode-*", "f-*", "dash-*", "company-*"} {
		m, _ := filepath.Glob(filepath.Join(src, glob))
		dirs = append(dirs, m...)
	}
	return strings.Join(dirs, ":")
}

// isolatedEnv is the environment with a fresh HOME and XDG folders under dir,
// so Emacs reads no user init and writes no state outside the test, and
// without INKLING_* variables, so the settings the test passes are the ones used.
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

func TestEmacs(t *testing.T) {
	emacs := editortest.Require(t, "emacs")
	inkling := editortest.Inkling(t)
	model := providertest.Start(t, editortest.Sampled(providertest.Fixed(suggestion), providertest.Fixed(other)))

	for _, tc := range []struct {
		name, client string
		lspMode10    bool
	}{
		{"eglot", "eglot", false},
		{"lsp-mode", "lsp-mode", false},
		{"lsp-mode-10", "lsp-mode", true},
		{"lsp-mode-10-inline", "lsp-inline", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(model.Requests())
			dir := t.TempDir()
			file := filepath.Join(dir, "demo.py")
			if err := os.WriteFile(file, []byte("def add(a, b):\n    "), 0o644); err != nil {
				t.Fatal(err)
			}
			env := isolatedEnv(dir)
			env = append(env,
				"INKLING_TEST_CLIENT="+tc.client,
				"INKLING_TEST_SERVER="+inkling,
				"INKLING_TEST_ENDPOINT="+model.URL+"/v1",
				"INKLING_TEST_MODEL=qwen2.5-coder:1.5b",
				"INKLING_TEST_EXPECT="+suggestion,
				"INKLING_TEST_OTHER="+other,
				"INKLING_TEST_FILE="+file,
			)
			if tc.lspMode10 {
				env = append(env, "LSPMODE_SRC="+lspMode10(t))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, emacs, "--batch", "-l", filepath.Join("test", "inkling-test.el"))
			cmd.Env = env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			t.Logf("emacs session (%v):\n%s", time.Since(start).Round(time.Millisecond), out)
			if err != nil {
				t.Fatalf("emacs session failed: %v", err)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if want := "def add(a, b):\n    " + suggestion; strings.TrimRight(string(got), "\n") != want {
				t.Errorf("saved file = %q, want %q", got, want)
			}
			reqs := model.Requests()[before:]
			if len(reqs) == 0 {
				t.Fatal("the model got no request")
			}
			if p := reqs[0].Str("prompt"); !strings.Contains(p, "def add(a, b):") {
				t.Errorf("the prompt lacks the buffer's text: %q", p)
			}
		})
	}
}
