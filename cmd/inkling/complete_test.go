package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReadmeFirstCommand runs the README's first command as a newcomer
// would, with nothing configured: the offline engine learns the demo
// project and finishes `w.WriteHeader(http.` the way server.go does twice.
// It guards the promise the README makes, which no unit test sees whole.
func TestReadmeFirstCommand(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:11434", "127.0.0.1:8080"} {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			t.Skipf("a model server may answer on %s; the README's command would use it", addr)
		}
	}
	env := []string{"HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INKLING_") && !strings.HasPrefix(kv, "OPENAI_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(binary(t), args...)
		cmd.Dir = "../.." // the README's commands run from the repository root
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Logf("stderr: %s", stderr.String())
		}
		return string(out), err
	}

	out, err := run("complete", "testdata/demo/stats.go:35:21")
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	if got, want := strings.TrimSpace(out), "StatusNoContent)"; got != want {
		t.Errorf("completion = %q, want %q", got, want)
	}

	out, err = run("complete", "--json", "testdata/demo/stats.go:35:21")
	if err != nil {
		t.Fatalf("complete --json: %v", err)
	}
	var res struct{ Text, Provider, Why string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if res.Provider != "local" || res.Why == "" || res.Text == "" {
		t.Errorf("--json: provider %q, why %q, text %q; want the local engine, a reason and a text", res.Provider, res.Why, res.Text)
	}

	// A position past the end is an error that says so, not a crash.
	_, err = run("complete", "testdata/demo/stats.go:99:1")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Errorf("position past the end: err %v, want a non-zero exit", err)
	}
}
