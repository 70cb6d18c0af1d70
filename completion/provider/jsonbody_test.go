package provider

import (
	"encoding/json"
	"testing"
)

// FuzzJSONString checks that appendJSONString writes valid JSON that reads
// back as what encoding/json's own encoding of the string reads back as
// (the string itself, invalid UTF-8 replaced by U+FFFD).
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "tab\tnl\ncr\r\x00\x1f", "<&>", "é€😀", "\xff\xfe", "a\u2028b", "x\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got, want string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %s: %v", s, b, err)
		}
		std, _ := json.Marshal(s)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q read back as %q, encoding/json's as %q", s, got, want)
		}
	})
}
