package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary builds fakemodel, runs it on a free port and streams from it.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakemodel")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	replyFile := filepath.Join(dir, "reply.txt")
	reqLog := filepath.Join(dir, "requests.jsonl")
	if err := os.WriteFile(replyFile, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-reply-file", replyFile, "-requests", reqLog)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "fakemodel listening on ")
	if err != nil || !ok {
		t.Fatalf("first line %q, %v", line, err)
	}
	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"m","prompt":"x","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"text":" world"`) || !strings.HasSuffix(string(body), "data: [DONE]\n\n") {
		t.Errorf("stream:\n%s", body)
	}
	log, _ := os.ReadFile(reqLog)
	if !strings.Contains(string(log), `"path":"/v1/completions"`) || !strings.Contains(string(log), `"prompt":"x"`) {
		t.Errorf("request log: %s", log)
	}
}
