package provider

import (
	"context"
	"net/http/httptrace"
	"sync"
)

type sentKey struct{}

// WithSent returns a context under which Complete calls sent once its
// request has been written to the model server, or once it no longer can
// be (it failed first, or Complete returns). The engine cancels the call
// that a new one replaces then rather than before: the old call's ending
// (its connection closed, its goroutine and the server's request handler
// winding down) would otherwise compete for the CPU with the new call on
// its way out. Only backends for which ReportsSent is true call it.
func WithSent(ctx context.Context, sent func()) context.Context {
	return context.WithValue(ctx, sentKey{}, sent)
}

// ReportsSent says whether p calls the function given by WithSent, and
// the one given by WithWait: the backends that stream over HTTP.
func ReportsSent(p Provider) bool {
	switch p.(type) {
	case *completions, *chat, *llamacpp:
		return true
	}
	return false
}

// traceSent arranges for the sent function in ctx, if any, to be called
// when the HTTP request is written; the returned function calls it if that
// has not happened yet.
func traceSent(ctx context.Context) (context.Context, func()) {
	sent, _ := ctx.Value(sentKey{}).(func())
	if sent == nil {
		return ctx, func() {}
	}
	once := sync.OnceFunc(sent)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { once() },
	}), once
}
