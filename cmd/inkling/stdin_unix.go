//go:build unix

package main

import (
	"os"
	"syscall"
)

// pollableStdin returns stdin for the read loop. An editor hands the
// server a blocking pipe, and a goroutine reading a blocking descriptor
// holds its thread and its P (one of the two on a 2-core machine) inside
// read(2) until the runtime's monitor takes the P back, up to 10 ms
// later; work woken meanwhile (the answer to the request just read) waits
// for it. Made non-blocking, the pipe is read through the runtime's poller
// and the reader parks instead. Only pipes and sockets: the flag is shared
// with every process holding the same open file, and a terminal left
// non-blocking breaks the shell after we exit (the editor holds the
// pipe's other end, a different open file).
func pollableStdin() *os.File {
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		return os.Stdin
	}
	if m := st.Mode & syscall.S_IFMT; m != syscall.S_IFIFO && m != syscall.S_IFSOCK {
		return os.Stdin
	}
	if err := syscall.SetNonblock(0, true); err != nil {
		return os.Stdin
	}
	// os.NewFile sees the non-blocking flag and registers the descriptor
	// with the poller.
	return os.NewFile(0, "/dev/stdin")
}
