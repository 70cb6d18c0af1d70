// Package editortest holds what the headless editor tests share: building the
// real inkling binary once per test binary, and finding the editor programs,
// failing rather than skipping when CI is set.
package editortest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// Inkling builds ./cmd/inkling once per test process and returns the binary's path.
// The package's TestMain must return through Run, which removes it: each
// build is ~45 MB, and one left in the temporary folder per test run fills it.
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

// Run runs the package's tests and benchmarks, removes the binary Inkling
// built, and returns the exit code for os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	if buildPath != "" {
		os.RemoveAll(filepath.Dir(buildPath))
	}
	return code
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

// Towards is a fake model script that completes the line being typed into
// target: it reads the text before the cursor from the prompt (cut at the
// template's suffix marker, if any) and answers with the rest of target,
// streamed with delay between pieces.
func Towards(target string, delay time.Duration) func(providertest.Recorded) providertest.Reply {
	return func(r providertest.Recorded) providertest.Reply {
		before := r.Str("prompt")
		for _, m := range []string{"<|fim_suffix|>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>"} {
			if i := strings.Index(before, m); i >= 0 {
				before = before[:i]
			}
		}
		typed := strings.TrimLeft(before[strings.LastIndex(before, "\n")+1:], " \t")
		if !strings.HasPrefix(target, typed) {
			return providertest.Text("")
		}
		reply := providertest.Text(target[len(typed):])
		reply.Delay = delay
		return reply
	}
}

// SidRoot is where .ci/install-editors-a.sh unpacks Debian sid's Neovim and
// Helix ($INKLING_SID_ROOT, default /opt/inkling-sid).
func SidRoot() string {
	if d := os.Getenv("INKLING_SID_ROOT"); d != "" {
		return d
	}
	return "/opt/inkling-sid"
}

// Sampled is a fake model script that answers like a model sampling at a
// temperature: greedy requests (at most providertest.Greedy) go to greedy,
// the samples the server asks for next/previous go to sampled.
func Sampled(greedy, sampled func(providertest.Recorded) providertest.Reply) func(providertest.Recorded) providertest.Reply {
	return func(r providertest.Recorded) providertest.Reply {
		if t, ok := r.Temperature(); ok && t > providertest.Greedy {
			return sampled(r)
		}
		return greedy(r)
	}
}
