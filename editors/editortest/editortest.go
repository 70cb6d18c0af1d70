// Package editortest holds what the headless editor tests share: building the
// real inkling binary once per test binary, and finding the editor programs,
// failing rather than skipping when CI is set.
package editortest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// Inkling builds ./cmd/inkling once per test process and returns the binary's path.
func Inkling(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "inkling-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "inkling")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/inkling")
		cmd.Dir = RepoRoot()
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building inkling: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}

// RepoRoot is the module root, found from this source file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Require returns the path of a program the test needs. Without it the test
// is skipped on a developer machine but fails under CI, where .ci/run must
// have installed it.
func Require(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but none of %v is installed: .ci/run must install it", names)
	}
	t.Skipf("none of %v installed", names)
	return ""
}
