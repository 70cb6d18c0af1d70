// Package provider owns the model backends: the Provider interface, the wire
// format of each backend (OpenAI-compatible completions and chat, llama.cpp
// /infill, Ollama, the embedded offline engine) and the fill-in-the-middle
// templates that decide how a prompt is spelled for a model family.
package provider

import (
	"context"
	"fmt"
	"time"
)

// Snippet is a piece of extra context for the prompt: code from another file
// or from elsewhere in this one, already chosen and cut by the context engine.
type Snippet struct {
	Path string // workspace-relative path, shown to the model as a header
	Text string
}

// Prompt is what the engine asks a model for. Backends spell it in their own
// wire format: a FIM template, a suffix field, chat messages or /infill fields.
type Prompt struct {
	Path     string    // workspace-relative path of the file being edited
	Language string    // LSP languageId, e.g. "go"
	Context  []Snippet // extra context, most stable first
	Prefix   string    // text before the cursor (already cut to budget)
	Suffix   string    // text after the cursor (already cut to budget)

	Multiline bool     // a block is starting: the engine cuts where it ends
	MaxTokens int      // cap on the answer's length
	Stop      []string // stop sequences besides the template's own

	// Temperature, when above 0, replaces the backend's configured
	// temperature for this call: the engine samples alternative
	// suggestions this way. 0 keeps the configured (usually greedy) one.
	Temperature float64
}

// temperature is the temperature a call with p sends, given the backend's
// configured one.
func (p Prompt) temperature(configured float64) float64 {
	if p.Temperature > 0 {
		return p.Temperature
	}
	return configured
}

// Provider streams one completion. onText receives each piece of the answer
// as it arrives, in order; returning false stops the stream early (the
// engine has what it needs) and Complete returns nil. Cancelling ctx closes
// the HTTP stream and Complete returns ctx.Err().
type Provider interface {
	Name() string
	Complete(ctx context.Context, p Prompt, onText func(string) bool) error
}

// Kind classifies a backend failure so the user is told once what is wrong.
type Kind int

const (
	KindUnknown     Kind = iota
	KindUnreachable      // connection refused, DNS, TLS
	KindAuth             // 401, 403: bad or missing key
	KindRateLimit        // 429
	KindServer           // 5xx
	KindBadRequest       // other 4xx: the server rejected what we sent
	KindTimeout          // no first byte or stall past the deadline
	KindMalformed        // the stream could not be decoded
)

func (k Kind) String() string {
	switch k {
	case KindUnreachable:
		return "unreachable"
	case KindAuth:
		return "auth"
	case KindRateLimit:
		return "rate-limit"
	case KindServer:
		return "server-error"
	case KindBadRequest:
		return "bad-request"
	case KindTimeout:
		return "timeout"
	case KindMalformed:
		return "malformed-stream"
	}
	return "unknown"
}

// Error is what every backend returns for a failure that is not the caller's
// own cancellation. Messages never contain API keys or prompt text.
type Error struct {
	Provider   string
	Kind       Kind
	Status     int           // HTTP status, when there was one
	RetryAfter time.Duration // from Retry-After on 429/503, else 0
	Msg        string        // short, user-presentable
	Err        error         // underlying cause, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Provider, e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }
