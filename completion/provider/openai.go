package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
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
//
// It speaks the wire format itself rather than through go-openai (which
// the chat backend uses): the request is written in one pass (see
// jsonbody.go), and the stream is read with the SSE reader /infill uses.
type completions struct {
	base
	url  string // the API base + "/completions"
	tmpl Template
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
	c := &completions{base: newBase(name, cfg, o), tmpl: tmpl, url: baseURL + "/completions"}
	if strings.Contains(baseURL, "api.openai.com") {
		c.maxStops = 4
	}
	return c, nil
}

// request is the JSON body for p, and the stop strings to apply on our
// side (all of them: the server may take fewer, or ignore them).
func (c *completions) request(p Prompt) ([]byte, []string) {
	stops := c.tmpl.Stops(p)
	size := len(p.Prefix) + len(p.Suffix) + 512
	for _, s := range p.Context {
		size += len(s.Path) + len(s.Text) + 64
	}
	b := make([]byte, 0, size+size/16) // room for escapes
	b = append(b, `{"model":`...)
	b = appendJSONString(b, c.cfg.Model)
	b = append(b, `,"prompt":"`...)
	w := jsonText{b}
	c.tmpl.render(&w, p)
	b = append(w.b, '"')
	if c.tmpl.Name == None.Name {
		// An empty suffix would be taken for none, and Ollama then treats
		// the request as plain generation, chat template and all. A
		// newline is what ends the file anyway.
		suffix := p.Suffix
		if suffix == "" {
			suffix = "\n"
		}
		b = append(b, `,"suffix":`...)
		b = appendJSONString(b, suffix)
	}
	b = append(b, `,"max_tokens":`...)
	b = strconv.AppendInt(b, int64(maxTokens(p)), 10)
	b = append(b, `,"temperature":`...)
	b = strconv.AppendFloat(b, p.temperature(c.cfg.Temperature), 'g', -1, 64)
	if send := stops; len(send) > 0 {
		if c.maxStops > 0 && len(send) > c.maxStops {
			send = send[:c.maxStops]
		}
		b = append(b, `,"stop":[`...)
		for i, s := range send {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	b = append(b, `,"stream":true}`...)
	return b, stops
}

func (c *completions) Complete(ctx context.Context, p Prompt, onText func(string) bool) error {
	body, stops := c.request(p)
	st := newStopper(stops)
	return c.run(ctx, p, onText, func(ctx context.Context, emit func(string) bool) error {
		resp, err := c.post(ctx, c.url, body)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return readCompletions(resp.Body, c.cfg.MaxAnswerBytes, st, emit, watchdogFrom(ctx).end)
	})
}

// completionEvent is the part of a /completions stream event we use.
type completionEvent struct {
	Choices []struct {
		Index        int     `json:"index"`
		Text         string  `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// readCompletions decodes a /completions stream, passing the first
// choice's text through st to emit, until the choice's finish_reason, the
// [DONE] event, the end of the stream, or emit returning false or st
// reaching a stop string. ended is called once the answer is complete.
func readCompletions(r io.Reader, maxEvent int, st *stopper, emit func(string) bool, ended func()) error {
	sse := newSSEReader(r, maxEvent+4096)
	for {
		data, err := sse.nextData()
		if err == io.EOF || err == nil && string(data) == "[DONE]" {
			ended()
			emit(st.flush())
			return nil
		}
		if err != nil {
			return err
		}
		var e completionEvent
		if err := decodeEvent(data, &e); err != nil {
			return err
		}
		if reported(e.Error) {
			// OpenAI's {"error": {"message": ..}} inside a 200 stream.
			return streamError(e.Error)
		}
		for _, ch := range e.Choices {
			if ch.Index != 0 {
				continue
			}
			out, done := st.feed(ch.Text)
			if ch.FinishReason != nil && *ch.FinishReason != "" {
				// The answer is complete: answer now, without waiting
				// for [DONE] and the end of the stream. The last text
				// in one piece (see WithFinal).
				ended()
				emit(out + st.flush())
				return nil
			}
			if !emit(out) || done {
				return nil
			}
		}
	}
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
