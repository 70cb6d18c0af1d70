package local

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestLimitMemory: training lowers the soft memory limit while it runs,
// overlapping trainings share it, and the last one out restores the
// limit as it was; a lower limit of the user's is kept.
func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(math.MaxInt64)

	e := New(Options{MaxBytes: 128 << 20})
	r1 := limitMemory(e)
	held := debug.SetMemoryLimit(-1)
	if held == math.MaxInt64 || held < 128<<20 {
		t.Fatalf("limit while training = %d, want a finite limit above the model's cap", held)
	}
	r2 := limitMemory(e)
	r2()
	if got := debug.SetMemoryLimit(-1); got != held {
		t.Errorf("limit after one of two overlapping trainings = %d, want %d", got, held)
	}
	r1()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after training = %d, want it restored", got)
	}

	debug.SetMemoryLimit(64 << 20)
	r := limitMemory(e)
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("a lower limit of the user's became %d", got)
	}
	r()
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("the user's limit after training = %d", got)
	}
}
