package replay

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/editors/editortest"
)

// TestMain lets this test binary serve as the echo child of
// BenchmarkStdioFloor.
func TestMain(m *testing.M) {
	if os.Getenv("INKLING_REPLAY_ECHO") == "1" {
		echo()
		return
	}
	os.Exit(editortest.Run(m))
}

// echo copies stdin to stdout a line at a time, a write per line.
func echo() {
	r := bufio.NewReader(os.Stdin)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		if _, err := os.Stdout.Write(line); err != nil {
			return
		}
	}
}

// BenchmarkStdioFloor is what the machine itself charges for one hop
// between processes, the unit of BenchmarkServerLatency/binary's pre and
// post (each is two hops: editor → server → model, model → server →
// editor): a Go child that only echoes lines over stdio pipes, sent one
// every 40 ms as keys are, so that the cores go idle between them as they
// do while a user types. Each round trip is two hops.
func BenchmarkStdioFloor(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "INKLING_REPLAY_ECHO=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer in.Close()
	r := bufio.NewReader(out)
	msg := []byte("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
	var rtt []time.Duration
	b.ResetTimer()
	for range b.N {
		time.Sleep(40 * time.Millisecond)
		t := time.Now()
		if _, err := in.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadBytes('\n'); err != nil {
			b.Fatal(err)
		}
		rtt = append(rtt, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(rtt)
	b.ReportMetric(float64(rtt[len(rtt)/2])/1e6, "rtt-p50-ms")
	b.ReportMetric(float64(rtt[len(rtt)*99/100])/1e6, "rtt-p99-ms")
}
