package tokens

import (
	"strings"
	"testing"
)

func TestCountCloseToWholeEncode(t *testing.T) {
	text := strings.Repeat("func (s *Server) handle(ctx context.Context, req *Request) error {\n\treturn nil\n}\n", 50)
	got, exact := Count(text), encode(text)
	if got == 0 || exact == 0 {
		t.Fatalf("zero counts: %d %d", got, exact)
	}
	// Line-wise counting may differ from one BPE over the whole text only at
	// line boundaries; it must stay within a few percent.
	if d := float64(got-exact) / float64(exact); d > 0.1 || d < -0.1 {
		t.Fatalf("line-wise count %d vs whole encode %d", got, exact)
	}
	if Count("") != 0 || Count("\n") != 1 {
		t.Fatalf("empty counts wrong: %d %d", Count(""), Count("\n"))
	}
}

func BenchmarkCountWarm(b *testing.B) {
	text := strings.Repeat("func (s *Server) handle(ctx context.Context, req *Request) error {\n\treturn nil\n}\n", 200)
	Count(text)
	b.ResetTimer()
	for b.Loop() {
		Count(text)
	}
}

// TestGuess: a line the cache holds gets its count; another gets an
// estimate from its length, and is not cached for it.
func TestGuess(t *testing.T) {
	whole := "\treturn fmt.Errorf(\"guess %d\", n) // a line seen before"
	n := Line(whole)
	if got := Guess(whole); got != n {
		t.Errorf("Guess of a cached line = %d, Line = %d", got, n)
	}
	typing := "\treturn fmt.Errorf(\"guess %d\", n) // a line being typ"
	if got, want := Guess(typing), len(typing)/3+1; got != want {
		t.Errorf("Guess of a new line = %d, want the estimate %d", got, want)
	}
	cacheMu.Lock()
	_, cached := cache[typing]
	cacheMu.Unlock()
	if cached {
		t.Error("Guess cached its estimate")
	}
	if Guess("") != 0 {
		t.Error("Guess of an empty line is not 0")
	}
}
