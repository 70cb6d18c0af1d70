package provider

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Template is how a model family spells a fill-in-the-middle prompt: the
// special tokens around prefix and suffix, how other files are introduced
// and which strings end its answer. The tokens are text here; the model
// server's tokenizer turns them into the special tokens.
type Template struct {
	Name string

	// The prompt is Prefix+prefix+Suffix+suffix+Middle, or with SuffixFirst
	// (Codestral) Suffix+suffix+Prefix+prefix.
	Prefix, Suffix, Middle string
	SuffixFirst            bool

	// FileSep, when set, is the family's repository-level convention for
	// naming files (Qwen2.5-Coder, StarCoder2): each file is FileSep + path +
	// "\n" + text, and the current file's header comes before the FIM part.
	// Without it, files are introduced by a "Path:" comment.
	FileSep string

	// Stop ends the answer: end of text, and the family's special tokens a
	// model sometimes emits instead of stopping.
	Stop []string
}

// None is the template for servers that take the suffix as a field of the
// request (OpenAI's suffix, Ollama applying the model's own FIM template):
// the prompt is the context and the prefix, with no special tokens.
var None = Template{Name: "none"}

var templates = []Template{
	None,
	{
		Name:   "starcoder",
		Prefix: "<fim_prefix>", Suffix: "<fim_suffix>", Middle: "<fim_middle>",
		Stop: []string{"<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>", "<filename>"},
	},
	{
		Name:   "starcoder2",
		Prefix: "<fim_prefix>", Suffix: "<fim_suffix>", Middle: "<fim_middle>",
		FileSep: "<file_sep>",
		Stop:    []string{"<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>", "<repo_name>"},
	},
	{
		Name: "codellama",
		// Meta's spelling, spaces included: "<PRE> {pre} <SUF>{suf} <MID>".
		Prefix: "<PRE> ", Suffix: " <SUF>", Middle: " <MID>",
		Stop: []string{"<EOT>", "<PRE>", "<SUF>", "<MID>", "</s>"},
	},
	{
		Name: "deepseek-coder",
		// Fullwidth vertical bars (U+FF5C) and lower one-eighth blocks (U+2581).
		Prefix: "<｜fim▁begin｜>", Suffix: "<｜fim▁hole｜>", Middle: "<｜fim▁end｜>",
		Stop: []string{"<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"},
	},
	{
		Name:   "qwen2.5-coder",
		Prefix: "<|fim_prefix|>", Suffix: "<|fim_suffix|>", Middle: "<|fim_middle|>",
		FileSep: "<|file_sep|>",
		Stop: []string{"<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
			"<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|im_start|>", "<|im_end|>"},
	},
	{
		Name:   "codestral",
		Prefix: "[PREFIX]", Suffix: "[SUFFIX]", SuffixFirst: true,
		Stop: []string{"</s>", "[PREFIX]", "[SUFFIX]", "[MIDDLE]"},
	},
	{
		Name:   "codegemma",
		Prefix: "<|fim_prefix|>", Suffix: "<|fim_suffix|>", Middle: "<|fim_middle|>",
		Stop: []string{"<|file_separator|>", "<end_of_turn>", "<eos>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"},
	},
}

// templateAliases are other names users write for a template.
var templateAliases = map[string]string{
	"qwen": "qwen2.5-coder", "qwen-coder": "qwen2.5-coder", "qwen2.5": "qwen2.5-coder", "qwen3-coder": "qwen2.5-coder",
	"deepseek": "deepseek-coder", "code-llama": "codellama", "mistral": "codestral",
	"suffix": "none", "": "none",
}

// TemplateNames lists the names Config.Template accepts.
func TemplateNames() []string {
	var names []string
	for _, t := range templates {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// TemplateByName finds a template by its name or an alias, ignoring case.
func TemplateByName(name string) (Template, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if a, ok := templateAliases[name]; ok {
		name = a
	}
	for _, t := range templates {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// TemplateForModel picks the template from a model name such as
// "qwen2.5-coder:1.5b-base" or "bigcode/starcoder2-3b", by case-insensitive
// substrings; a name it doesn't know gets None (send the suffix field).
func TemplateForModel(model string) Template {
	m := strings.ToLower(model)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if !strings.Contains(m, s) {
				return false
			}
		}
		return true
	}
	name := "none"
	switch {
	case has("codestral"):
		name = "codestral"
	case has("codegemma"):
		name = "codegemma"
	case has("codellama"), has("code-llama"), has("code_llama"):
		name = "codellama"
	case has("deepseek", "coder"):
		name = "deepseek-coder"
	case has("qwen", "coder"):
		name = "qwen2.5-coder"
	case has("starcoder2"):
		name = "starcoder2"
	case has("starcoder"):
		name = "starcoder"
	}
	t, _ := TemplateByName(name)
	return t
}

// resolveTemplate applies Config.Template over the choice by model name.
func resolveTemplate(name, model string) (Template, error) {
	if strings.TrimSpace(name) == "" {
		return TemplateForModel(model), nil
	}
	t, ok := TemplateByName(name)
	if !ok {
		return Template{}, fmt.Errorf("unknown `template` %q (known: %s)", name, strings.Join(TemplateNames(), ", "))
	}
	return t, nil
}

// Render spells p in the template. Context snippets come first, in the
// order given (most stable first), so that consecutive prompts share a long
// beginning and the model server can reuse its KV cache; then the current
// file's header and the FIM part. With None the suffix is not in the text:
// the request carries it separately.
func (t Template) Render(p Prompt) string {
	var b strings.Builder
	b.Grow(len(p.Prefix) + len(p.Suffix) + 256)
	t.render(&b, p)
	return b.String()
}

// render writes the prompt to b; the completions backend writes it
// straight into the request's JSON (see appendCompletionRequest).
func (t Template) render(b io.StringWriter, p Prompt) {
	head := func() {
		writeContext(b, t.FileSep, p)
	}
	switch {
	case t.Name == "none":
		head()
		b.WriteString(p.Prefix)
	case t.SuffixFirst:
		b.WriteString(t.Suffix)
		b.WriteString(p.Suffix)
		b.WriteString(t.Prefix)
		head()
		b.WriteString(p.Prefix)
		b.WriteString(t.Middle)
	case t.FileSep != "":
		head()
		b.WriteString(t.Prefix)
		b.WriteString(p.Prefix)
		b.WriteString(t.Suffix)
		b.WriteString(p.Suffix)
		b.WriteString(t.Middle)
	default:
		b.WriteString(t.Prefix)
		head()
		b.WriteString(p.Prefix)
		b.WriteString(t.Suffix)
		b.WriteString(p.Suffix)
		b.WriteString(t.Middle)
	}
}

// writeContext writes the snippets and the current file's header.
func writeContext(b io.StringWriter, fileSep string, p Prompt) {
	for _, s := range p.Context {
		if s.Text == "" {
			continue
		}
		if fileSep != "" {
			b.WriteString(fileSep + s.Path + "\n")
		} else if s.Path != "" {
			b.WriteString(CommentLine(p.Language, "Path: "+s.Path) + "\n")
		}
		b.WriteString(s.Text)
		if !strings.HasSuffix(s.Text, "\n") {
			b.WriteString("\n")
		}
		if fileSep == "" {
			// A blank line keeps a snippet from reading as the start of the
			// current file.
			b.WriteString("\n")
		}
	}
	if p.Path == "" {
		return
	}
	if fileSep != "" {
		b.WriteString(fileSep + p.Path + "\n")
	} else {
		b.WriteString(CommentLine(p.Language, "Path: "+p.Path) + "\n")
	}
}

// Stops is the stop list to send with p: the template's own, then the
// prompt's, without repeats or empty strings.
func (t Template) Stops(p Prompt) []string {
	return mergeStops(t.Stop, p.Stop)
}

func mergeStops(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
