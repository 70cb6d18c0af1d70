package provider

import "context"

type finalKey struct{}

// WithFinal returns a context under which Complete calls final just before
// it passes the last text of a complete answer to onText: the model said
// it is done (finish_reason, llama.cpp's stop) and nothing follows. The
// engine can then close the answer with that text instead of when Complete
// returns, after the stream's own winding down.
func WithFinal(ctx context.Context, final func()) context.Context {
	return context.WithValue(ctx, finalKey{}, final)
}

func finalFrom(ctx context.Context) func() {
	f, _ := ctx.Value(finalKey{}).(func())
	return f
}
