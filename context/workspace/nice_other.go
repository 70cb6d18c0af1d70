//go:build !linux

package workspace

// lowerPriority does nothing here: only Linux sets the priority of one
// thread (see nice_linux.go).
func lowerPriority() {}
