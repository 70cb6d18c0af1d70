package replay

import (
	"fmt"
	"testing"
	"time"
)

// TestStampReader: replies and first non-empty partials are stamped with
// the read that completed them, however the bytes are split.
func TestStampReader(t *testing.T) {
	frame := func(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }
	wire := frame(`{"jsonrpc":"2.0","method":"$/progress","params":{"token":"p7","value":{"items":[{"insertText":""}]}}}`) +
		frame(`{"jsonrpc":"2.0","method":"$/progress","params":{"token":"p7","value":{"items":[{"insertText":"ab"}]}}}`) +
		frame(`{"jsonrpc":"2.0","id":1007,"result":{"items":[{"insertText":"abc"}]}}`)
	s := newStampReader(nil)
	t0 := time.Unix(100, 0)
	cut1, cut2 := 30, len(wire)-5 // inside the first header; inside the reply
	s.scan([]byte(wire[:cut1]), t0)
	s.scan([]byte(wire[cut1:cut2]), t0.Add(time.Second))
	if _, ok := s.reply("1007"); ok {
		t.Fatal("reply stamped before its last bytes were read")
	}
	s.scan([]byte(wire[cut2:]), t0.Add(2*time.Second))
	if got, ok := s.partial(`"p7"`); !ok || !got.Equal(t0.Add(time.Second)) {
		t.Errorf("partial stamped %v, %v; want the second read (the empty one does not count)", got, ok)
	}
	if got, ok := s.reply("1007"); !ok || !got.Equal(t0.Add(2*time.Second)) {
		t.Errorf("reply stamped %v, %v; want the third read", got, ok)
	}
}
