package server

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/inkling-ls/inkling/completion/provider"
)

// Settings are the user's configuration, section "inkling". Precedence,
// lowest first: defaults, environment, initializationOptions,
// workspace/didChangeConfiguration.
type Settings struct {
	Enable       bool     `json:"enable"`
	Provider     string   `json:"provider"`
	Endpoint     string   `json:"endpoint"`
	Model        string   `json:"model"`
	APIKey       string   `json:"-"` // never echoed back
	Template     string   `json:"template"`
	Temperature  float64  `json:"temperature"`
	MaxTokens    int      `json:"maxTokens"`
	DebounceMs   int      `json:"debounceMs"` // -1: adaptive
	TimeoutMs    int      `json:"timeoutMs"`
	BudgetTokens int      `json:"budgetTokens"`
	Exclude      []string `json:"exclude"`
	MaxFileBytes int      `json:"maxFileBytes"`
	LogLevel     string   `json:"logLevel"`
	// LocalMemoryMiB caps the offline engine's model, the copies made
	// while it is trained included (0: the engine's default).
	LocalMemoryMiB int `json:"localMemoryMiB"`
	// Speculate: once a suggestion is shown, ask for what follows its
	// acceptance, so that accepting and going on shows the next one at
	// once (one more model call per fresh suggestion).
	Speculate bool `json:"speculate"`

	fromEnv map[string]bool // which fields the environment set, for status
}

// The offline engine's memory cap, in MiB: below the minimum it learns
// little; the maximum only guards against typos.
const (
	minLocalMiB = 16
	maxLocalMiB = 64 << 10
)

var providerKinds = []string{"openai", "openai-chat", "llamacpp", "ollama", "local"}

func defaultSettings(env func(string) string) (Settings, []string) {
	s := Settings{Enable: true, Speculate: true, Temperature: 0.1, MaxTokens: 500, DebounceMs: -1, TimeoutMs: 30000,
		BudgetTokens: 2048, MaxFileBytes: 4 << 20, fromEnv: map[string]bool{}}
	var problems []string
	set := func(name string, dst *string) {
		if v := strings.TrimSpace(env(name)); v != "" {
			*dst = v
			s.fromEnv[name] = true
		}
	}
	set("INKLING_PROVIDER", &s.Provider)
	set("INKLING_ENDPOINT", &s.Endpoint)
	set("INKLING_MODEL", &s.Model)
	set("INKLING_TEMPLATE", &s.Template)
	set("INKLING_API_KEY", &s.APIKey)
	if s.APIKey == "" {
		set("OPENAI_API_KEY", &s.APIKey)
	}
	// whole reads a whole number in [lo, hi] from the environment.
	whole := func(name, what string, lo, hi int, dst *int) {
		v := strings.TrimSpace(env(name))
		if v == "" {
			return
		}
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || n < lo || n > hi {
			problems = append(problems, fmt.Sprintf("%s: %q is not %s", name, v, what))
			return
		}
		*dst = n
	}
	whole("INKLING_CONTEXT_TOKENS", "a token count", 0, math.MaxInt, &s.BudgetTokens)
	whole("INKLING_LOCAL_MEMORY_MIB", fmt.Sprintf("a whole number of MiB from %d to %d", minLocalMiB, maxLocalMiB), minLocalMiB, maxLocalMiB, &s.LocalMemoryMiB)
	if s.Provider != "" && !validKind(s.Provider) {
		problems = append(problems, fmt.Sprintf("INKLING_PROVIDER: %q is not one of %s", s.Provider, strings.Join(providerKinds, ", ")))
		s.Provider = ""
	}
	return s, problems
}

func validKind(k string) bool {
	for _, v := range providerKinds {
		if v == k {
			return true
		}
	}
	return false
}

// unwrapSection accepts {"inkling": {...}} as well as the bare object, since
// clients differ in which they send.
func unwrapSection(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		if inner, ok := m["inkling"]; ok && len(m) == 1 {
			return inner
		}
		if settings, ok := m["settings"]; ok {
			return unwrapSection(settings)
		}
	}
	return raw
}

// merge applies the fields present in raw over s. A field of the wrong type
// or value is skipped and named in the problems; the others still apply.
func (s Settings) merge(raw json.RawMessage, problems []string) (Settings, []string) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return s, append(problems, fmt.Sprintf("inkling settings must be an object: %v", err))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bad := func(field, want string, v json.RawMessage) {
		problems = append(problems, fmt.Sprintf("inkling.%s: expected %s, got %s", field, want, truncate(string(v), 60)))
	}
	str := func(field string, v json.RawMessage, dst *string) {
		var x string
		if json.Unmarshal(v, &x) != nil {
			bad(field, "a string", v)
			return
		}
		*dst = x
	}
	num := func(field string, v json.RawMessage, lo, hi int, dst *int) {
		var x float64
		if json.Unmarshal(v, &x) != nil || x != float64(int(x)) || int(x) < lo || int(x) > hi {
			bad(field, fmt.Sprintf("a whole number from %d to %d", lo, hi), v)
			return
		}
		*dst = int(x)
	}
	for _, k := range keys {
		v := m[k]
		if string(v) == "null" {
			continue
		}
		switch k {
		case "enable":
			if json.Unmarshal(v, &s.Enable) != nil {
				bad(k, "true or false", v)
			}
		case "speculate":
			if json.Unmarshal(v, &s.Speculate) != nil {
				bad(k, "true or false", v)
			}
		case "provider":
			var x string
			if json.Unmarshal(v, &x) != nil || (x != "" && !validKind(x)) {
				bad(k, "one of "+strings.Join(providerKinds, ", "), v)
				continue
			}
			s.Provider = x
		case "endpoint":
			str(k, v, &s.Endpoint)
		case "model":
			str(k, v, &s.Model)
		case "apiKey":
			var x string
			if json.Unmarshal(v, &x) != nil {
				problems = append(problems, "inkling.apiKey: expected a string") // never echo a key
				continue
			}
			s.APIKey = x
		case "template":
			var x string
			if json.Unmarshal(v, &x) != nil {
				bad(k, "a string", v)
				continue
			}
			if x != "" && x != "auto" {
				if _, ok := provider.TemplateByName(x); !ok {
					bad(k, "one of "+strings.Join(provider.TemplateNames(), ", "), v)
					continue
				}
			}
			s.Template = x
		case "temperature":
			var x float64
			if json.Unmarshal(v, &x) != nil || x < 0 || x > 2 {
				bad(k, "a number from 0 to 2", v)
				continue
			}
			s.Temperature = x
		case "maxTokens":
			num(k, v, 1, 4096, &s.MaxTokens)
		case "debounceMs":
			num(k, v, -1, 2000, &s.DebounceMs)
		case "timeoutMs":
			num(k, v, 100, 600000, &s.TimeoutMs)
		case "maxFileBytes":
			num(k, v, 1024, 256<<20, &s.MaxFileBytes)
		case "budgetTokens":
			num(k, v, 0, 128000, &s.BudgetTokens)
		case "localMemoryMiB":
			num(k, v, minLocalMiB, maxLocalMiB, &s.LocalMemoryMiB)
		case "context":
			var c map[string]json.RawMessage
			if json.Unmarshal(v, &c) != nil {
				bad(k, "an object", v)
				continue
			}
			if b, ok := c["budgetTokens"]; ok {
				num("context.budgetTokens", b, 0, 128000, &s.BudgetTokens)
			}
		case "exclude":
			var x []string
			if json.Unmarshal(v, &x) != nil {
				bad(k, "a list of glob strings", v)
				continue
			}
			s.Exclude = x
		case "logLevel":
			var x string
			if json.Unmarshal(v, &x) != nil {
				bad(k, "a string", v)
				continue
			}
			if _, err := zapcore.ParseLevel(x); err != nil {
				bad(k, "one of debug, info, warn, error", v)
				continue
			}
			s.LogLevel = x
		case "path", "trace", "binary", "args":
			// read by editor plugins, not the server
		default:
			problems = append(problems, fmt.Sprintf("inkling.%s: unknown setting (ignored)", k))
		}
	}
	return s, problems
}

// providerConfig turns settings into the backend's configuration.
func (s Settings) providerConfig(kind string) provider.Config {
	c := provider.Config{Kind: kind, Endpoint: s.Endpoint, Model: s.Model, APIKey: s.APIKey,
		Template: s.Template, Temperature: s.Temperature, Timeout: time.Duration(s.TimeoutMs) * time.Millisecond}
	if c.Template == "auto" {
		c.Template = ""
	}
	return c
}
