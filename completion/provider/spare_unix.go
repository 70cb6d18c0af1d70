//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package provider

import (
	"net"
	"syscall"
)

// alive says whether a connection that has not been used yet is still
// open: the server has sent nothing on it, neither data nor its end. It
// peeks without waiting, so it costs one system call.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	quiet := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		quiet = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true // never wait for the socket to become readable
	})
	return err == nil && quiet
}
