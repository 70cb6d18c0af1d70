//go:build !linux

package local

// prefault does nothing here (see prefault_linux.go).
func prefault(b []byte) {}
