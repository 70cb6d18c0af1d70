package provider

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// runCleaner feeds answer to a chat cleaner in pieces of n bytes (0: whole).
func runCleaner(prefix, answer string, stops []string, n int) string {
	c := newChatCleaner(prefix, stops)
	var out strings.Builder
	for len(answer) > 0 {
		k := len(answer)
		if n > 0 && n < k {
			k = n
		}
		s, done := c.feed(answer[:k])
		out.WriteString(s)
		answer = answer[k:]
		if done {
			return out.String()
		}
	}
	out.WriteString(c.flush())
	return out.String()
}

func TestChatCleaner(t *testing.T) {
	const fn = "func Add(a, b int) int {\n\t"
	for _, c := range []struct {
		name, prefix, answer string
		stops                []string
		want                 string
	}{
		{"plain", fn, "return a + b", nil, "return a + b"},
		{"fence", fn, "```go\nreturn a + b\n```\n", nil, "return a + b"},
		{"fence, stop at newline", fn, "```go\nreturn a + b\n}\n```", []string{"\n"}, "return a + b"},
		{"fence after blank lines", fn, "\n\n```\nreturn a\n```", nil, "return a"},
		{"fence never closed", fn, "```go\nreturn a", nil, "return a"},
		{"empty fence", fn, "```go\n```", nil, ""},
		{"echo of the cursor line", "x := 1\nreturn a", "return a + b", nil, " + b"},
		{"echo with other indentation", "if ok {\n\t\treturn a", "    return a + b", nil, " + b"},
		{"echo of lines above", fn, fn + "return a + b\n}", nil, "return a + b\n}"},
		{"fence and echo", fn, "```go\n" + fn + "return a + b\n}\n```", nil, "return a + b\n}"},
		{"starts like an echo, isn't one", "x := 1\nreturn a", "ret", nil, "ret"},
		{"one backtick", fn, "`", nil, "`"},
		{"empty", fn, "", nil, ""},
		{"unicode", "s := \"", "héllo → wörld\"", nil, "héllo → wörld\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The same answer however the stream splits it.
			for _, n := range []int{0, 1, 2, 3, 7} {
				if got := runCleaner(c.prefix, c.answer, c.stops, n); got != c.want {
					t.Errorf("in pieces of %d: %q, want %q", n, got, c.want)
				}
			}
		})
	}
}

func TestChatAnswerCleaned(t *testing.T) {
	s := providertest.Start(t, providertest.Fixed("```go\nfunc Add(a, b int) int {\n\treturn a + b\n}\n```"))
	prov := mustNew(t, Config{Kind: "openai-chat", Endpoint: s.URL, Model: "gpt-4o-mini"})
	got, err := complete(t, prov, Prompt{Language: "go", Prefix: "func Add(a, b int) int {\n\t", Suffix: "\n}\n", Stop: []string{"\n"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "") != "return a + b" {
		t.Errorf("answer %q", strings.Join(got, ""))
	}
	// Our stop strings are applied here, not sent: a "\n" stop on the
	// server would end the answer at the opening fence.
	if stop := s.Requests()[0].Strs("stop"); len(stop) != 0 {
		t.Errorf("sent stop %q", stop)
	}
}

// cutAtStop is what applying stops must come to: text up to the first
// occurrence of any stop.
func cutAtStop(text string, stops []string) string {
	cut := len(text)
	for _, s := range stops {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 && i < cut {
			cut = i
		}
	}
	return text[:cut]
}

func runStopper(text string, stops []string, n int) string {
	st := newStopper(stops)
	var out strings.Builder
	for len(text) > 0 {
		k := min(n, len(text))
		s, done := st.feed(text[:k])
		out.WriteString(s)
		text = text[k:]
		if done {
			return out.String()
		}
	}
	return out.String() + st.flush()
}

func TestStopper(t *testing.T) {
	for _, c := range []struct {
		text  string
		stops []string
	}{
		{"hello\nworld", []string{"\n"}},
		{"a<|endoftext|>b", []string{"<|endoftext|>", "<|fim_pad|>"}},
		{"<|fim", []string{"<|fim_pad|>"}},
		{"aaab", []string{"aab"}},
		{"no stop here", []string{"zzz"}},
		{"x</s>y\nz", []string{"\n", "</s>"}},
		{"", []string{"\n"}},
		{"abc", nil},
	} {
		want := cutAtStop(c.text, c.stops)
		for n := 1; n <= len(c.text)+1; n++ {
			if got := runStopper(c.text, c.stops, n); got != want {
				t.Errorf("%q stops %q in pieces of %d: %q, want %q", c.text, c.stops, n, got, want)
			}
		}
	}
}

func FuzzStopper(f *testing.F) {
	f.Add("hello\nworld", "\n", "</s>", 3)
	f.Add("aaab", "aab", "", 1)
	f.Add("<|endoftext|>", "<|endoftext|>", "<|end", 5)
	f.Fuzz(func(t *testing.T, text, stop1, stop2 string, n int) {
		if n <= 0 || n > 64 {
			n = 1
		}
		stops := []string{stop1, stop2}
		if got, want := runStopper(text, stops, n), cutAtStop(text, stops); got != want {
			t.Errorf("%q stops %q in pieces of %d: %q, want %q", text, stops, n, got, want)
		}
	})
}

func FuzzChatCleaner(f *testing.F) {
	f.Add("func f() {\n\t", "```go\nfunc f() {\n\treturn 1\n}\n```", 2)
	f.Add("x := ", "x := 1", 1)
	f.Add("", "```", 1)
	f.Fuzz(func(t *testing.T, prefix, answer string, n int) {
		if !utf8.ValidString(answer) {
			return
		}
		if n <= 0 || n > 64 {
			n = 1
		}
		// However the stream is split, the cleaned answer is the same.
		whole := runCleaner(prefix, answer, []string{"\n\n"}, 0)
		pieces := runCleaner(prefix, answer, []string{"\n\n"}, n)
		if whole != pieces {
			t.Errorf("prefix %q answer %q: whole %q, in pieces of %d %q", prefix, answer, whole, n, pieces)
		}
	})
}

func TestSSEReader(t *testing.T) {
	in := ": keep-alive\r\n" +
		"data: {\"a\":1}\r\n\r\n" +
		"event: message\ndata:two\ndata:  lines\n\n" +
		"error: {\"code\":500,\"message\":\"boom\"}\n\n" +
		"id: 7\n\n" + // no data: no event
		"data: last without blank line"
	r := newSSEReader(strings.NewReader(in), 1024)
	var got []event
	for {
		ev, err := r.next()
		if err != nil {
			break
		}
		got = append(got, ev)
	}
	want := []event{
		{Data: []byte(`{"a":1}`)},
		{Type: "message", Data: []byte("two\n lines")},
		{Type: "error", Data: []byte(`{"code":500,"message":"boom"}`)},
		{Data: []byte("last without blank line")},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events: %q", len(got), got)
	}
	for i := range want {
		if got[i].Type != want[i].Type || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("event %d = %q %q, want %q %q", i, got[i].Type, got[i].Data, want[i].Type, want[i].Data)
		}
	}
	// Lines that never make an event end the stream as undecodable.
	r = newSSEReader(strings.NewReader(strings.Repeat("junk\n", maxLinesPerEvent+1)+"data: late\n\n"), 1024)
	if _, err := r.next(); err != errBadEvent {
		t.Errorf("endless junk: %v", err)
	}
	// A line past the limit is an error, not a hang or a huge buffer.
	r = newSSEReader(strings.NewReader("data: "+strings.Repeat("x", 5000)+"\n\n"), 1024)
	if _, err := r.next(); err != errBadEvent {
		t.Errorf("long line: %v", err)
	}
}

// The recorded llama.cpp streams under testdata/providers/streams decode to
// the text in their .txt twin.
func TestRecordedInfillStreams(t *testing.T) {
	for _, name := range []string{"infill-ok", "infill-error"} {
		data := readTestdata(t, "streams/"+name+".sse")
		want := readTestdata(t, "streams/"+name+".txt")
		var got strings.Builder
		err := readInfill(bytes.NewReader(data), 1<<20, func(s string) bool {
			got.WriteString(s)
			return true
		}, func() {})
		text, wantErr, _ := strings.Cut(string(want), "\n-- error: ")
		if got.String() != text {
			t.Errorf("%s: text %q, want %q", name, got.String(), text)
		}
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), strings.TrimSpace(wantErr))):
			t.Errorf("%s: err %v, want %q", name, err, wantErr)
		}
	}
}

func FuzzReadInfill(f *testing.F) {
	for _, name := range []string{"infill-ok", "infill-error"} {
		f.Add(readTestdata(f, "streams/"+name+".sse"))
	}
	f.Add([]byte("data: {\"content\": \"a\", \"stop\": false}\n\ndata: {\"content\": \"\", \"stop\": true}\n\n"))
	f.Add([]byte("data: {\"content\": 1}\n\n"))
	f.Add([]byte("data: {\"error\": {\"message\": \"x\"}}\n\n"))
	f.Add([]byte("error: not json\n\n"))
	f.Add([]byte("data: \xff\xfe\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_ = readInfill(bytes.NewReader(data), 4096, func(s string) bool {
			n += len(s)
			return true
		}, func() {})
		// JSON escapes only ever shrink on decoding... except \u escapes of
		// invalid UTF-8, which become 3-byte U+FFFD for 1 input byte.
		if n > 3*len(data) {
			t.Errorf("decoded %d bytes from %d", n, len(data))
		}
	})
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := readFile("../../testdata/providers/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
