package server

import (
	"context"
	"testing"
)

// TestAfterReply: work left for after the reply waits for it, in order;
// outside a request it runs at once, in the background.
func TestAfterReply(t *testing.T) {
	c := &cleanups{}
	ctx := context.WithValue(context.Background(), cleanupsKey{}, c)
	var order []int
	afterReply(ctx, func() { order = append(order, 1) })
	afterReply(ctx, func() { order = append(order, 2) })
	if len(order) != 0 {
		t.Fatalf("ran before the reply: %v", order)
	}
	c.run()
	c.run() // once only
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Fatalf("ran %v", order)
	}
	done := make(chan struct{})
	afterReply(context.Background(), func() { close(done) })
	<-done
}
