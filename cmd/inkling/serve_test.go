package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/inkling-ls/inkling/server"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// Beyond loopback only when allowed, and then only with a token.
func TestListenRefusesNonLoopback(t *testing.T) {
	opts := server.Options{Logger: zap.NewNop(), NoProbe: true}
	t.Setenv("INKLING_TOKEN", "")
	if err := serveTCP(context.Background(), "0.0.0.0:"+freePort(t), false, opts, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("non-loopback without --allow-remote: %v", err)
	}
	if err := serveTCP(context.Background(), "0.0.0.0:"+freePort(t), true, opts, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "INKLING_TOKEN") {
		t.Errorf("non-loopback without a token: %v", err)
	}
	t.Setenv("INKLING_TOKEN", "short")
	if err := serveTCP(context.Background(), "0.0.0.0:"+freePort(t), true, opts, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "16") {
		t.Errorf("non-loopback with a short token: %v", err)
	}
}

// initializeOver sends the token line (if any) and an initialize request,
// and reports whether an answer came.
func initializeOver(t *testing.T, addr, tokenLine string) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`
	fmt.Fprintf(c, "%sContent-Length: %d\r\n\r\n%s", tokenLine, len(body), body)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "Content-Length:")
}

// With a token set, a session starts only after the right token line,
// even on loopback.
func TestListenTokenRequired(t *testing.T) {
	const token = "0123456789abcdef-token"
	t.Setenv("INKLING_TOKEN", token)
	ctx, cancel := context.WithCancel(context.Background())
	addr := "0.0.0.0:" + freePort(t)
	done := make(chan error, 1)
	go func() {
		done <- serveTCP(ctx, addr, true, server.Options{Logger: zap.NewNop(), NoProbe: true, Env: func(string) string { return "" }}, zap.NewNop())
	}()
	defer func() {
		cancel()
		<-done
	}()
	local := "127.0.0.1:" + strings.Split(addr, ":")[1]
	for i := 0; i < 50; i++ { // until it listens
		if c, err := net.Dial("tcp", local); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if initializeOver(t, local, "") {
		t.Error("a session started without a token")
	}
	if initializeOver(t, local, "Inkling-Token: wrong-token-0000000\r\n") {
		t.Error("a session started with a wrong token")
	}
	if !initializeOver(t, local, "Inkling-Token: "+token+"\r\n") {
		t.Error("the right token was refused")
	}
}

// Loopback without a token: no token is asked for.
func TestListenLoopback(t *testing.T) {
	t.Setenv("INKLING_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	addr := "127.0.0.1:" + freePort(t)
	done := make(chan error, 1)
	go func() {
		done <- serveTCP(ctx, addr, false, server.Options{Logger: zap.NewNop(), NoProbe: true, Env: func(string) string { return "" }}, zap.NewNop())
	}()
	defer func() {
		cancel()
		<-done
	}()
	for i := 0; i < 50; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !initializeOver(t, addr, "") {
		t.Error("loopback session did not start")
	}
}
