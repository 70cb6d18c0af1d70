package treesitter

import "testing"

func TestTagsQueriesCompile(t *testing.T) {
	for _, l := range Languages() {
		q, err := TagsQuery(l)
		if err != nil {
			t.Errorf("%s: %v", l.ID, err)
			continue
		}
		if q == nil {
			t.Errorf("%s: no tags query", l.ID)
		}
	}
}
