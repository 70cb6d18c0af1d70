package server

import (
	"bytes"
	"encoding/json"
	"testing"
)

// writes records each Write separately.
type writes struct{ calls [][]byte }

func (w *writes) Write(p []byte) (int, error) {
	w.calls = append(w.calls, append([]byte(nil), p...))
	return len(p), nil
}

// TestWithNext: a held message goes out in front of the next one, in the
// same write, and both read back in order as two messages.
func TestWithNext(t *testing.T) {
	w := &writes{}
	st := newStream(nil, w, nil, DefaultMaxMessageBytes)
	st.withNext([]byte(`{"jsonrpc":"2.0","method":"$/progress","params":{"token":"p1","value":{"items":[{"insertText":"abc"}]}}}`))
	if len(w.calls) != 0 {
		t.Fatalf("withNext wrote at once: %q", w.calls)
	}
	if err := st.WriteObject(map[string]any{"jsonrpc": "2.0", "id": 1, "result": map[string]any{"items": []any{map[string]any{"insertText": "abc"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteObject(map[string]any{"jsonrpc": "2.0", "method": "later"}); err != nil {
		t.Fatal(err)
	}
	if len(w.calls) != 2 {
		t.Fatalf("%d writes, want 2 (held + reply, then the next message alone)", len(w.calls))
	}
	rd := newStream(bytes.NewReader(bytes.Join(w.calls, nil)), nil, nil, DefaultMaxMessageBytes)
	var got []string
	for range 3 {
		var m map[string]any
		if err := rd.ReadObject(&m); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		got = append(got, string(b))
	}
	want := []string{
		`{"jsonrpc":"2.0","method":"$/progress","params":{"token":"p1","value":{"items":[{"insertText":"abc"}]}}}`,
		`{"id":1,"jsonrpc":"2.0","result":{"items":[{"insertText":"abc"}]}}`,
		`{"jsonrpc":"2.0","method":"later"}`,
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %s, want %s", i, got[i], want[i])
		}
	}
}
