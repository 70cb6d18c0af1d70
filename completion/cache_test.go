package completion

import (
	"strings"
	"testing"
)

// TestKeyTypedSince: on a document far larger than the hashed windows, a
// key still tells typing at the cursor from edits elsewhere that change
// the text the window covers or either length.
func TestKeyTypedSince(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 4*keyWindow; i++ {
		b.WriteString("func f")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("() {}\n")
	}
	body := b.String()
	head, tail := body, body
	text := head + "\n" + tail
	at := len(head) + 1
	k := makeKey(text, at)

	check := func(name, now string, offset int, want string, ok bool) {
		t.Helper()
		got, gotOK := k.typedSince(now, offset, hashAfter(now, offset))
		if gotOK != ok || got != want {
			t.Errorf("%s: typedSince = %q, %v; want %q, %v", name, got, gotOK, want, ok)
		}
	}
	check("unchanged", text, at, "", true)
	typed := text[:at] + "ret" + text[at:]
	check("typed at the cursor", typed, at+3, "ret", true)
	near := text[:at-10] + "Z" + text[at-9:at] + "ret" + text[at:]
	check("a character replaced just before the cursor", near, at+3, "", false)
	after := typed[:at+3+5] + "Z" + typed[at+3+6:]
	check("a character replaced just after the cursor", after, at+3, "", false)
	above := "// new\n" + typed
	check("a line inserted at the top", above, at+3+len("// new\n"), "", false)
	below := typed + "// new\n"
	check("a line added at the end", below, at+3, "", false)
}
