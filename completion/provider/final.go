package provider

import "context"

type finalKey struct{}

// WithFinal returns a context under which Complete calls final just before
// it passes the last text of a complete answer to onText: the model said
// it is done (finish_reason, llama.cpp's stop) and nothing follows. That
// text may be empty (servers often send finish_reason in an event of its
// own): under WithFinal, onText is called with it all the same. The
// engine can then close the answer there instead of when Complete returns,
// after the stream's own winding down.
func WithFinal(ctx context.Context, final func()) context.Context {
	return context.WithValue(ctx, finalKey{}, final)
}

type waitKey struct{}

// WithWait returns a context under which Complete calls wait whenever it
// has used up what it read of the answer's stream and reads on, which may
// wait for the model. Events often come several to a read (a last token
// and the end); the engine shows partial text at wait, not at every event,
// so that what it shows is not stale at once. Only backends for which
// ReportsSent is true call it.
func WithWait(ctx context.Context, wait func()) context.Context {
	return context.WithValue(ctx, waitKey{}, wait)
}

func finalFrom(ctx context.Context) func() {
	f, _ := ctx.Value(finalKey{}).(func())
	return f
}

func waitFrom(ctx context.Context) func() {
	f, _ := ctx.Value(waitKey{}).(func())
	return f
}
