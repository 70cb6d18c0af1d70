package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// HoleMarker stands for the cursor in the file a chat model is shown.
const HoleMarker = "{{FILL_HERE}}"

// chat asks a chat-only model (/v1/chat/completions) to fill the hole. Chat
// models wrap code in fences and repeat the line they were given, so the
// answer is cleaned as it streams; stop strings are applied here rather
// than by the server, because a "\n" stop would end the answer at the
// opening fence.
type chat struct {
	base
	client  *openai.Client
	baseURL string
}

func newChat(cfg Config, o options) (*chat, error) {
	baseURL, err := openAIBase(cfg.Endpoint, defaultOpenAIEndpoint)
	if err != nil {
		return nil, err
	}
	c := &chat{base: newBase("openai-chat", cfg, o), baseURL: baseURL}
	c.client = newOpenAIClient(c.cfg, baseURL, c.http)
	return c, nil
}

const chatSystem = `You are a code completion engine inside an editor. You are shown a file with the marker ` + HoleMarker + ` at the cursor.
Answer with only the code to insert at the marker, exactly as it would appear in the file:
no explanation, no markdown, no code fences, and do not repeat the code before or after the marker.
If the cursor is in the middle of a line, continue that line. Match the surrounding indentation.
If nothing should be inserted, answer with nothing.`

func chatMessages(p Prompt) []openai.ChatCompletionMessage {
	var b strings.Builder
	for _, s := range p.Context {
		if s.Text == "" {
			continue
		}
		fmt.Fprintf(&b, "Context from %s:\n```\n%s", s.Path, s.Text)
		if !strings.HasSuffix(s.Text, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("```\n\n")
	}
	what := "Fill in the marker"
	if !p.Multiline {
		what += " with the rest of the current line only"
	}
	path := p.Path
	if path == "" {
		path = "the file"
	}
	fmt.Fprintf(&b, "%s in %s (%s):\n```%s\n%s%s%s", what, path, p.Language, p.Language, p.Prefix, HoleMarker, p.Suffix)
	if !strings.HasSuffix(p.Suffix, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("```")
	return []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: chatSystem},
		{Role: openai.ChatMessageRoleUser, Content: b.String()},
	}
}

// chatSlack is extra room in max_tokens for an opening fence and an echo
// that the cleaner removes.
const chatSlack = 32

func (c *chat) request(p Prompt) (openai.ChatCompletionRequest, error) {
	n := maxTokens(p) + chatSlack
	// max_tokens, which OpenAI calls deprecated, is the field llama.cpp,
	// Ollama and vLLM honour.
	r := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Messages:    chatMessages(p),
		MaxTokens:   n,
		Temperature: temperature(p.temperature(c.cfg.Temperature)),
		Stream:      true,
	}
	// Reasoning models (o-series, gpt-5...) refuse max_tokens and sampling
	// settings; go-openai knows which names those are.
	if err := openai.NewReasoningValidator().Validate(r); err != nil {
		r = openai.ChatCompletionRequest{
			Model:               c.cfg.Model,
			Messages:            r.Messages,
			MaxCompletionTokens: n,
			Stream:              true,
		}
		if err := openai.NewReasoningValidator().Validate(r); err != nil {
			return r, &Error{Kind: KindBadRequest, Msg: err.Error(), Err: err}
		}
	}
	return r, nil
}

func (c *chat) Complete(ctx context.Context, p Prompt, onText func(string) bool) error {
	req, err := c.request(p)
	if err != nil {
		err.(*Error).Provider = c.name
		return err
	}
	cl := newChatCleaner(p.Prefix, p.Stop)
	return c.run(ctx, p, onText, func(ctx context.Context, emit func(string) bool) error {
		stream, err := c.client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return openAIError(err)
		}
		defer stream.Close()
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				watchdogFrom(ctx).end()
				emit(cl.flush())
				return nil
			}
			if err != nil {
				return openAIError(err)
			}
			for _, ch := range resp.Choices {
				if ch.Index != 0 {
					continue
				}
				out, done := cl.feed(ch.Delta.Content)
				if ch.FinishReason != "" {
					// The answer is complete: answer now, without
					// waiting for [DONE] and the end of the stream.
					// The last text in one piece (see WithFinal).
					watchdogFrom(ctx).end()
					emit(out + cl.flush())
					return nil
				}
				if !emit(out) || done {
					return nil
				}
			}
		}
	})
}

// chatCleaner turns a chat model's answer into the text to insert, as it
// streams. It holds the start of the answer until it can tell whether the
// answer opens a code fence (dropped, and the closing fence ends the
// answer) and whether it repeats the end of the prefix (dropped too).
type chatCleaner struct {
	echoes  []string // ends of the prefix the answer might repeat, longest first
	stops   []string
	head    strings.Builder
	decided bool
	tail    *stopper
	// fenceFirst: a fenced body whose first bytes are held in pending
	// until they show whether it starts with the closing fence.
	fenceFirst bool
	pending    string
}

// echoLines is how many lines back from the cursor an echo is looked for.
const echoLines = 20

func newChatCleaner(prefix string, stops []string) *chatCleaner {
	c := &chatCleaner{stops: stops}
	// Each candidate starts at the beginning of one of the last lines of
	// the prefix, without its indentation (models re-indent freely).
	end := len(prefix)
	for n := 0; n < echoLines && end > 0; n++ {
		start := strings.LastIndexByte(prefix[:end], '\n') + 1
		tail := strings.TrimLeft(prefix[start:], " \t")
		if len(strings.TrimSpace(tail)) >= 2 {
			c.echoes = append(c.echoes, tail)
		}
		end = start - 1
	}
	// Longest first, so the widest echo is the one removed.
	for i, j := 0, len(c.echoes)-1; i < j; i, j = i+1, j-1 {
		c.echoes[i], c.echoes[j] = c.echoes[j], c.echoes[i]
	}
	return c
}

func (c *chatCleaner) feed(s string) (string, bool) {
	if c.decided {
		return c.body(s, false)
	}
	c.head.WriteString(s)
	rest, ok := c.decide(c.head.String(), false)
	if !ok {
		return "", false
	}
	return c.body(rest, false)
}

func (c *chatCleaner) flush() string {
	var out string
	if !c.decided {
		rest, _ := c.decide(c.head.String(), true)
		out, _ = c.body(rest, true)
	} else {
		out, _ = c.body("", true)
	}
	return out + c.tail.flush()
}

// body passes the answer after the opening fence and echo to the stopper.
// In a fenced answer the closing fence ends it, and the stop "\n```" can't
// see one that comes first, before any newline: watch for that here.
func (c *chatCleaner) body(s string, final bool) (string, bool) {
	if c.fenceFirst {
		c.pending += s
		if strings.HasPrefix(c.pending, "```") {
			c.fenceFirst, c.tail.done = false, true
			return "", true
		}
		if strings.HasPrefix("```", c.pending) && !final {
			return "", false
		}
		c.fenceFirst = false
		s, c.pending = c.pending, ""
	}
	return c.tail.feed(s)
}

// decide looks at the start of the answer h. It returns ok=false while more
// text is needed, else the answer with fence and echo removed.
func (c *chatCleaner) decide(h string, final bool) (string, bool) {
	fenced := false
	lead := strings.TrimLeft(h, " \t\r\n")
	switch {
	case strings.HasPrefix(lead, "```"):
		nl := strings.IndexByte(lead, '\n')
		if nl < 0 {
			if !final {
				return "", false
			}
			lead = ""
		} else {
			lead = lead[nl+1:]
		}
		h, fenced = lead, true
	case strings.HasPrefix("```", lead) && !final:
		return "", false
	}

	body := strings.TrimLeft(h, " \t")
	cut := -1
	for _, e := range c.echoes {
		if strings.HasPrefix(body, e) {
			cut = len(e)
			break
		}
		if strings.HasPrefix(e, body) && !final {
			return "", false // the answer so far could still be this echo
		}
	}
	if cut >= 0 {
		h = body[cut:]
	}
	c.decided = true
	stops := c.stops
	if fenced {
		stops = append([]string{"\n```"}, stops...)
		c.fenceFirst = true
	}
	c.tail = newStopper(stops)
	return h, true
}
