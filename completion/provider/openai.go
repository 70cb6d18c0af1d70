package provider

import (
	"context"
	"errors"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

const (
	defaultOpenAIEndpoint = "https://api.openai.com/v1"
	defaultOllamaEndpoint = "http://127.0.0.1:11434/v1"
)

// openAIBase finds the API base (what /completions is appended to) from
// the endpoint setting. The rule:
//   - trailing slashes go;
//   - a pasted full URL loses its route: /completions, /chat/completions;
//   - a bare host (no path) gets /v1, where llama.cpp, vLLM, Ollama,
//     LM Studio and OpenAI itself all serve the API;
//   - any other path is kept as given (https://api.deepseek.com/beta,
//     https://openrouter.ai/api/v1, a proxy's prefix).
//
// Query and fragment are dropped: the route is appended to the path.
func openAIBase(endpoint, def string) (string, error) {
	if strings.TrimSpace(endpoint) == "" {
		endpoint = def
	}
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return "", err
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/chat/completions")
	p = strings.TrimSuffix(p, "/completions")
	if p == "" {
		p = "/v1"
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// newOpenAIClient is a go-openai client whose requests go through d.
func newOpenAIClient(cfg Config, baseURL string, d *doer) *openai.Client {
	c := openai.DefaultConfig(cfg.APIKey)
	c.BaseURL = baseURL
	c.HTTPClient = d
	return openai.NewClientWithConfig(c)
}

// temperature spells t for go-openai, which leaves out a zero temperature
// (omitempty) and so gets the server's default, often 0.7 or 1: a tiny
// positive value is greedy decoding in effect.
func temperature(t float64) float32 {
	if t <= 0 {
		return 1e-9
	}
	return float32(t)
}

// completions is an OpenAI-compatible /v1/completions backend: "openai"
// (OpenAI, vLLM, llama.cpp's /v1, LM Studio, DeepSeek's beta...) and
// "ollama". With a FIM template the prompt carries the special tokens and
// the suffix; with None the suffix goes in its own field and the server
// applies the model's template (Ollama does, for models that support it).
type completions struct {
	base
	client  *openai.Client
	baseURL string
	tmpl    Template
	// maxStops is how many stop strings the server accepts; the rest are
	// applied on our side. OpenAI's own API rejects more than 4.
	maxStops int
}

func newCompletions(name string, cfg Config, o options, defEndpoint string, defTemplate Template) (*completions, error) {
	baseURL, err := openAIBase(cfg.Endpoint, defEndpoint)
	if err != nil {
		return nil, err
	}
	tmpl := defTemplate
	if strings.TrimSpace(cfg.Template) != "" || defTemplate.Name == "" {
		if tmpl, err = resolveTemplate(cfg.Template, cfg.Model); err != nil {
			return nil, err
		}
	}
	c := &completions{base: newBase(name, cfg, o), tmpl: tmpl, baseURL: baseURL}
	c.client = newOpenAIClient(c.cfg, baseURL, c.http)
	if strings.Contains(baseURL, "api.openai.com") {
		c.maxStops = 4
	}
	return c, nil
}

func (c *completions) request(p Prompt) (openai.CompletionRequest, []string) {
	stops := c.tmpl.Stops(p)
	r := openai.CompletionRequest{
		Model:       c.cfg.Model,
		Prompt:      c.tmpl.Render(p),
		MaxTokens:   maxTokens(p),
		Temperature: temperature(p.temperature(c.cfg.Temperature)),
		Stop:        stops,
		Stream:      true,
	}
	if c.maxStops > 0 && len(r.Stop) > c.maxStops {
		r.Stop = r.Stop[:c.maxStops]
	}
	if c.tmpl.Name == None.Name {
		// An empty suffix would be left out (omitempty), and Ollama then
		// treats the request as plain generation, chat template and all.
		// A newline is what ends the file anyway.
		r.Suffix = p.Suffix
		if r.Suffix == "" {
			r.Suffix = "\n"
		}
	}
	return r, stops
}

func (c *completions) Complete(ctx context.Context, p Prompt, onText func(string) bool) error {
	req, stops := c.request(p)
	st := newStopper(stops)
	return c.run(ctx, p, onText, func(ctx context.Context, emit func(string) bool) error {
		stream, err := c.client.CreateCompletionStream(ctx, req)
		if err != nil {
			return openAIError(err)
		}
		defer stream.Close()
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				watchdogFrom(ctx).end()
				emit(st.flush())
				return nil
			}
			if err != nil {
				return openAIError(err)
			}
			for _, ch := range resp.Choices {
				if ch.Index != 0 {
					continue
				}
				out, done := st.feed(ch.Text)
				if ch.FinishReason != "" {
					// The answer is complete: answer now, without
					// waiting for [DONE] and the end of the stream.
					// The last text in one piece (see WithFinal).
					watchdogFrom(ctx).end()
					emit(out + st.flush())
					return nil
				}
				if !emit(out) || done {
					return nil
				}
			}
		}
	})
}

// openAIError gives the errors go-openai makes itself a Kind; HTTP
// statuses never get here (the doer answers them).
func openAIError(err error) error {
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &apiErr):
		// An {"error":..} event inside a 200 stream.
		return &Error{Kind: KindServer, Msg: apiErr.Message, Err: err}
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return &Error{Kind: KindMalformed, Msg: "the stream sent no data lines", Err: err}
	case errors.Is(err, openai.ErrCompletionUnsupportedModel),
		errors.Is(err, openai.ErrChatCompletionInvalidModel),
		errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated):
		return &Error{Kind: KindBadRequest, Msg: err.Error(), Err: err}
	}
	return err
}
