package workspace

import (
	"syscall"
	"testing"
)

// TestLowerPriority: the goroutine that calls lowerPriority runs at nice
// 19, and the rest of the process keeps its priority.
func TestLowerPriority(t *testing.T) {
	// The raw system call answers 20 - nice.
	before, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int)
	go func() {
		lowerPriority()
		p, _ := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		got <- p
	}()
	if p := <-got; p != 1 {
		t.Errorf("reparse thread at nice %d, want 19", 20-p)
	}
	if after, _ := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid()); after != before {
		t.Errorf("the test's own thread went from nice %d to %d", 20-before, 20-after)
	}
}
