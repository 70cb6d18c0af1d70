package local

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"
)

// TestPrefaultMaps checks that prefault maps a table's pages without
// their being written.
func TestPrefaultMaps(t *testing.T) {
	probe := make([]byte, 1<<16)
	off := (4096 - uintptr(unsafe.Pointer(&probe[0]))%4096) % 4096
	if err := syscall.Madvise(probe[off:off+4096], madvPopulateWrite); errors.Is(err, syscall.EINVAL) {
		t.Skip("kernel without MADV_POPULATE_WRITE")
	}
	ents := make([]entry, (8<<20)/32)
	b := bytesOf(ents)
	before := resident(t, b)
	prefault(b)
	after := resident(t, b)
	t.Logf("resident pages: %d before, %d after, of %d", before, after, len(b)/4096)
	if after < len(b)/4096 {
		t.Errorf("%d of %d pages resident after prefault", after, len(b)/4096)
	}
}

// resident counts the whole pages of b that are in memory (mincore).
func resident(t *testing.T, b []byte) int {
	p := uintptr(unsafe.Pointer(&b[0]))
	start := (p + 4095) &^ 4095
	end := (p + uintptr(len(b))) &^ 4095
	vec := make([]byte, (end-start)/4096)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, start, end-start, uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		t.Skipf("mincore: %v", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}
