package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Kinds built into this package; "local" registers itself (see Register).
var builtin = []string{"openai", "openai-chat", "llamacpp", "ollama"}

var kindAliases = map[string]string{
	"chat": "openai-chat", "llama.cpp": "llamacpp", "llama-cpp": "llamacpp", "llama": "llamacpp",
}

var (
	registryMu sync.Mutex
	registry   = map[string]func(Config) (Provider, error){}
)

// Register makes New build providers of kind with f. It is for backends
// that live in their own package, such as the offline engine in
// completion/provider/local, which would otherwise be an import cycle;
// such a package calls Register from its init. Registering a built-in kind
// or the same kind twice panics.
func Register(kind string, f func(Config) (Provider, error)) {
	kind = strings.ToLower(kind)
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, b := range builtin {
		if b == kind {
			panic("provider: Register of built-in kind " + kind)
		}
	}
	if _, dup := registry[kind]; dup {
		panic("provider: Register called twice for " + kind)
	}
	registry[kind] = f
}

// Kinds lists the provider kinds New accepts in this program.
func Kinds() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	kinds := append([]string(nil), builtin...)
	for k := range registry {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// New builds the backend cfg.Kind names. Errors name the setting at fault
// (`provider`, `endpoint`, `model`, `template`, `temperature`), so the
// server can show them to the user as they are.
func New(cfg Config, opts ...Option) (Provider, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	kind := strings.ToLower(strings.TrimSpace(cfg.Kind))
	if a, ok := kindAliases[kind]; ok {
		kind = a
	}
	cfg.Kind = kind
	if err := check(cfg); err != nil {
		return nil, err
	}
	var (
		p   Provider
		err error
	)
	switch kind {
	case "openai":
		p, err = newCompletions("openai", cfg, o, defaultOpenAIEndpoint, Template{})
	case "ollama":
		// Ollama applies the model's own FIM template to a request with a
		// suffix: unless told otherwise, send the suffix, not FIM tokens
		// (which it would wrap in the model's chat template).
		p, err = newCompletions("ollama", cfg, o, defaultOllamaEndpoint, None)
	case "openai-chat":
		p, err = newChat(cfg, o)
	case "llamacpp":
		p, err = newLlamaCpp(cfg, o)
	default:
		registryMu.Lock()
		f := registry[kind]
		registryMu.Unlock()
		switch {
		case f != nil:
			return f(cfg)
		case kind == "":
			return nil, fmt.Errorf("provider: the `provider` setting is empty; set it to one of %s", strings.Join(Kinds(), ", "))
		case kind == "local":
			return nil, errors.New(`provider: the "local" provider (the offline engine) is not built into this program`)
		}
		return nil, fmt.Errorf("provider: unknown `provider` %q; known: %s", cfg.Kind, strings.Join(Kinds(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", kind, err)
	}
	return p, nil
}

// check validates what is common to every HTTP backend.
func check(cfg Config) error {
	name := cfg.Kind
	if name == "" || name == "local" {
		return nil
	}
	if cfg.Temperature < 0 || cfg.Temperature > 2 {
		return fmt.Errorf("provider %s: the `temperature` setting must be between 0 and 2, not %g", name, cfg.Temperature)
	}
	if cfg.Timeout < 0 || cfg.FirstByteTimeout < 0 || cfg.IdleTimeout < 0 {
		return fmt.Errorf("provider %s: timeouts must not be negative", name)
	}
	switch name {
	case "openai", "openai-chat", "ollama":
		if strings.TrimSpace(cfg.Model) == "" {
			return fmt.Errorf("provider %s: the `model` setting is empty; name the model the server should run", name)
		}
	}
	if cfg.Template != "" {
		if _, err := resolveTemplate(cfg.Template, cfg.Model); err != nil {
			return fmt.Errorf("provider %s: %w", name, err)
		}
	}
	return nil
}

// Request is what a provider would send for a prompt: for `inkling
// complete --json`, for debugging a template, and for tests.
type Request struct {
	Method string
	URL    string
	Body   json.RawMessage // the JSON body as sent
	Text   string          // the prompt text the model reads (rendered template, chat message, or input_prefix)
	Stop   []string        // every stop string that applies, ours and the server's
}

// Preview builds the provider cfg names and returns the request it would
// send for p, without sending it.
func Preview(cfg Config, p Prompt) (Request, error) {
	prov, err := New(cfg)
	if err != nil {
		return Request{}, err
	}
	switch b := prov.(type) {
	case *completions:
		body, stops := b.request(p)
		return Request{Method: "POST", URL: b.url, Body: json.RawMessage(body),
			Text: b.tmpl.Render(p), Stop: stops}, nil
	case *chat:
		req, err := b.request(p)
		if err != nil {
			return Request{}, err
		}
		body, err := json.Marshal(req)
		return Request{Method: "POST", URL: b.baseURL + "/chat/completions", Body: body,
			Text: req.Messages[len(req.Messages)-1].Content, Stop: mergeStops(p.Stop)}, err
	case *llamacpp:
		req := b.request(p)
		body, err := json.Marshal(req)
		return Request{Method: "POST", URL: b.url, Body: body, Text: req.InputPrefix, Stop: req.Stop}, err
	}
	return Request{}, fmt.Errorf("provider %s: no preview for this kind", prov.Name())
}
