package provider

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of testdata/providers/templates")

const templateDir = "../../testdata/providers/templates"

// TestTemplates renders each case in testdata/providers/templates/*.txtar.
//
// A case has a `config` section (lines "key: value": model, template, kind,
// endpoint, language, path, multiline, and `stop` lines holding Go-quoted strings), `prefix`,
// `suffix` and `context/PATH` sections, and the wanted results: want/prompt
// (the text the model reads) and want/stop (Go-quoted, one a line), and for
// a case with a kind also want/body.json (the request body as sent). The
// final newline of a section is not part of its text.
func TestTemplates(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(templateDir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in %s: %v", templateDir, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, p := templateCase(t, ar)
			got := map[string]string{}
			if cfg.Kind != "" {
				req, err := Preview(cfg, p)
				if err != nil {
					t.Fatal(err)
				}
				var body bytes.Buffer
				if err := json.Indent(&body, req.Body, "", "  "); err != nil {
					t.Fatal(err)
				}
				got["want/body.json"] = body.String()
				got["want/prompt"] = req.Text
				got["want/stop"] = quoteLines(req.Stop)
			} else {
				tmpl, err := resolveTemplate(cfg.Template, cfg.Model)
				if err != nil {
					t.Fatal(err)
				}
				got["want/prompt"] = tmpl.Render(p)
				got["want/stop"] = quoteLines(tmpl.Stops(p))
			}
			if *update {
				writeWants(t, file, ar, got)
				return
			}
			for name, g := range got {
				want, ok := section(ar, name)
				if !ok {
					t.Errorf("no %s section (run with -update to write it)", name)
					continue
				}
				if diff := cmp.Diff(want, g); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func templateCase(t *testing.T, ar *txtar.Archive) (Config, Prompt) {
	var cfg Config
	var p Prompt
	conf, _ := section(ar, "config")
	for _, line := range strings.Split(conf, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "model":
			cfg.Model = v
		case "template":
			cfg.Template = v
		case "kind":
			cfg.Kind = v
		case "endpoint":
			cfg.Endpoint = v
		case "language":
			p.Language = v
		case "path":
			p.Path = v
		case "multiline":
			p.Multiline = v == "true"
		case "stop":
			s, err := strconv.Unquote(v)
			if err != nil {
				t.Fatalf("stop %s: %v", v, err)
			}
			p.Stop = append(p.Stop, s)
		}
	}
	p.Prefix, _ = section(ar, "prefix")
	p.Suffix, _ = section(ar, "suffix")
	for _, f := range ar.Files {
		if path, ok := strings.CutPrefix(f.Name, "context/"); ok {
			p.Context = append(p.Context, Snippet{Path: path, Text: trimNL(f.Data)})
		}
	}
	return cfg, p
}

func section(ar *txtar.Archive, name string) (string, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return trimNL(f.Data), true
		}
	}
	return "", false
}

func trimNL(b []byte) string { return strings.TrimSuffix(string(b), "\n") }

func quoteLines(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, strconv.Quote(s))
	}
	return strings.Join(q, "\n")
}

func writeWants(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want/") {
			files = append(files, f)
		}
	}
	for _, name := range []string{"want/prompt", "want/stop", "want/body.json"} {
		if g, ok := got[name]; ok {
			files = append(files, txtar.File{Name: name, Data: []byte(g + "\n")})
		}
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateForModel(t *testing.T) {
	for model, want := range map[string]string{
		"qwen2.5-coder:1.5b-base":                 "qwen2.5-coder",
		"Qwen/Qwen2.5-Coder-7B":                   "qwen2.5-coder",
		"qwen2.5:7b":                              "none", // a chat model, not a coder
		"deepseek-coder-6.7b-base":                "deepseek-coder",
		"deepseek-ai/DeepSeek-Coder-V2-Lite-Base": "deepseek-coder",
		"bigcode/starcoder":                       "starcoder",
		"starcoder2:3b":                           "starcoder2",
		"codellama:7b-code":                       "codellama",
		"CodeLlama-13b-hf":                        "codellama",
		"codestral-latest":                        "codestral",
		"codegemma:2b-code":                       "codegemma",
		"gpt-3.5-turbo-instruct":                  "none",
		"":                                        "none",
	} {
		if got := TemplateForModel(model).Name; got != want {
			t.Errorf("TemplateForModel(%q) = %s, want %s", model, got, want)
		}
	}
	// Config.Template wins over the model name.
	tmpl, err := resolveTemplate("StarCoder2", "qwen2.5-coder")
	if err != nil || tmpl.Name != "starcoder2" {
		t.Errorf("resolveTemplate = %s, %v", tmpl.Name, err)
	}
	if tmpl, _ := resolveTemplate("qwen", ""); tmpl.Name != "qwen2.5-coder" {
		t.Errorf("alias qwen = %s", tmpl.Name)
	}
}

func TestCommentLine(t *testing.T) {
	for _, c := range []struct{ lang, want string }{
		{"go", "// Path: a"}, {"python", "# Path: a"}, {"javascript", "// Path: a"},
		{"typescriptreact", "// Path: a"}, {"rust", "// Path: a"}, {"java", "// Path: a"},
		{"c", "// Path: a"}, {"cpp", "// Path: a"}, {"csharp", "// Path: a"}, {"ruby", "# Path: a"},
		{"php", "// Path: a"}, {"shellscript", "# Path: a"}, {"bash", "# Path: a"}, {"sh", "# Path: a"},
		{"lua", "-- Path: a"}, {"html", "<!-- Path: a -->"}, {"css", "/* Path: a */"},
		{"elisp", ";; Path: a"}, {"ocaml", "(* Path: a *)"}, {"Go", "// Path: a"}, {"", "// Path: a"},
		{"no-such-language", "// Path: a"},
	} {
		if got := CommentLine(c.lang, "Path: a"); got != c.want {
			t.Errorf("CommentLine(%q) = %q, want %q", c.lang, got, c.want)
		}
	}
	if got := CommentLine("python", "one\ntwo"); got != "# one\n# two" {
		t.Errorf("two lines: %q", got)
	}
}
