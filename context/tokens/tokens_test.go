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
