package local

import "testing"

// TestPrefaultKeepsContents checks that prefault, whole or on a range
// that starts and ends inside pages, changes nothing in the table.
func TestPrefaultKeepsContents(t *testing.T) {
	ents := make([]entry, (3<<20)/32+5) // over prefaultMin, not whole pages
	marks := []int{0, 1, 127, 128, len(ents) / 2, len(ents) - 1}
	for _, i := range marks {
		ents[i].key = uint64(i) + 1
		ents[i].seen = 7
	}
	b := bytesOf(ents)
	if len(b) != len(ents)*32 {
		t.Fatalf("bytesOf: %d bytes, want %d", len(b), len(ents)*32)
	}
	prefault(b[3 : len(b)-5])
	prefault(b)
	prefault(nil)
	for i := range ents {
		want := entry{}
		for _, m := range marks {
			if i == m {
				want.key, want.seen = uint64(i)+1, 7
			}
		}
		if ents[i] != want {
			t.Fatalf("entry %d = %+v after prefault, want %+v", i, ents[i], want)
		}
	}
	leafs := newLevel(order, (2<<20)/16).leafs
	for i, s := range leafs {
		if s != (slot{}) {
			t.Fatalf("new leaf level: slot %d = %+v, want zero", i, s)
		}
	}
}
