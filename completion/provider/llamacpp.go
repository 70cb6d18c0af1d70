package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
)

// llamacpp talks to llama.cpp's server (llama-server) on its own /infill
// endpoint. The server knows the model's FIM tokens and spells the prompt
// itself, putting input_extra first as repository-level context, so this
// backend sends plain fields and no template. cache_prompt lets the server
// keep the KV cache of a shared beginning between requests.
type llamacpp struct {
	base
	url string // .../infill
}

func newLlamaCpp(cfg Config, o options) (*llamacpp, error) {
	root, err := llamaRoot(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	return &llamacpp{base: newBase("llamacpp", cfg, o), url: root + "/infill"}, nil
}

const defaultLlamaEndpoint = "http://127.0.0.1:8080"

// llamaRoot finds the server's root from the endpoint: llama-server mounts
// /infill at the root, but users often copy the OpenAI-style base that ends
// in /v1, or the full /infill URL; both are accepted.
func llamaRoot(endpoint string) (string, error) {
	if strings.TrimSpace(endpoint) == "" {
		endpoint = defaultLlamaEndpoint
	}
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return "", err
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/infill")
	p = strings.TrimSuffix(p, "/v1")
	u.Path, u.RawPath = p, ""
	return strings.TrimRight(u.String(), "/"), nil
}

type infillChunk struct {
	Filename string `json:"filename"`
	Text     string `json:"text"`
}

// infillRequest is the body of POST /infill. Temperature has no omitempty:
// 0 (greedy) is what a completion usually wants.
type infillRequest struct {
	InputPrefix string        `json:"input_prefix"`
	InputSuffix string        `json:"input_suffix"`
	InputExtra  []infillChunk `json:"input_extra,omitempty"`
	Prompt      string        `json:"prompt"`
	NPredict    int           `json:"n_predict"`
	Stream      bool          `json:"stream"`
	CachePrompt bool          `json:"cache_prompt"`
	Stop        []string      `json:"stop,omitempty"`
	Temperature float64       `json:"temperature"`
	Model       string        `json:"model,omitempty"`
}

func (l *llamacpp) request(p Prompt) infillRequest {
	r := infillRequest{
		InputSuffix: p.Suffix,
		NPredict:    maxTokens(p),
		Stream:      true,
		CachePrompt: true,
		Stop:        mergeStops(p.Stop),
		Temperature: p.temperature(l.cfg.Temperature),
		Model:       l.cfg.Model,
	}
	for _, s := range p.Context {
		if s.Text != "" {
			r.InputExtra = append(r.InputExtra, infillChunk{Filename: s.Path, Text: s.Text})
		}
	}
	if p.Path != "" {
		r.InputPrefix = CommentLine(p.Language, "Path: "+p.Path) + "\n"
	}
	r.InputPrefix += p.Prefix
	return r
}

func (l *llamacpp) Complete(ctx context.Context, p Prompt, onText func(string) bool) error {
	body, err := json.Marshal(l.request(p))
	if err != nil {
		return err
	}
	return l.run(ctx, p, onText, func(ctx context.Context, emit func(string) bool) error {
		resp, err := l.post(ctx, l.url, body)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return readInfill(resp.Body, l.cfg.MaxAnswerBytes, emit, watchdogFrom(ctx).end)
	})
}

// infillEvent is the part of a /infill stream event we use.
type infillEvent struct {
	Content *string         `json:"content"`
	Stop    bool            `json:"stop"`
	Error   json.RawMessage `json:"error"`
}

// readInfill decodes a /infill stream, passing each piece of content to
// emit, until the event with "stop": true, the end of the stream, or emit
// returning false. Each event holds one token or so; maxEvent bounds a line.
// ended is called when the stream has ended normally.
func readInfill(r io.Reader, maxEvent int, emit func(string) bool, ended func()) error {
	sse := newSSEReader(r, maxEvent+4096)
	for {
		data, err := sse.nextData()
		if err == io.EOF {
			ended()
			return nil
		}
		if err != nil {
			return err
		}
		var e infillEvent
		if err := decodeEvent(data, &e); err != nil {
			return err
		}
		if reported(e.Error) {
			return streamError(data)
		}
		if e.Content == nil && !e.Stop {
			return errBadEvent
		}
		if e.Stop {
			ended()
		}
		if e.Content != nil && *e.Content != "" && !emit(*e.Content) {
			return nil
		}
		if e.Stop {
			return nil
		}
	}
}

// parseEndpoint checks an endpoint URL, naming the setting in the error.
func parseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the `endpoint` setting must be an http(s) URL such as http://127.0.0.1:8080/v1")
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}
