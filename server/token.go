package server

import (
	"bufio"
	"crypto/subtle"
	"io"
	"strings"
	"time"
)

// Reader wraps a connection for CheckToken and Serve alike.
func Reader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// CheckToken reads the first line of a TCP session, which must be
// "Inkling-Token: <token>", and compares it in constant time. Clients that
// reach Inkling beyond loopback send it before the first LSP message.
func CheckToken(r *bufio.Reader, token string) bool {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		l, err := r.ReadString('\n')
		ch <- result{l, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return false
		}
		got, ok := strings.CutPrefix(strings.TrimSpace(res.line), "Inkling-Token:")
		return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
	case <-time.After(10 * time.Second):
		return false
	}
}
