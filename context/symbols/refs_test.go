package symbols

import (
	"fmt"
	"strings"
	"testing"
)

// TestCooccurringMostSimilarVote: in a folder of more files than vote, the
// files most like the cursor's decide, and a name only dissimilar files use
// gets nothing.
func TestCooccurringMostSimilarVote(t *testing.T) {
	x := NewIndex()
	common := "alpha beta gamma delta epsilon zeta eta theta iota kappa"
	self := refsOf([]byte(common))
	// maxVoters files that share everything with self, and use "wanted".
	for i := range maxVoters {
		f := file(fmt.Sprintf("/w/p/near%02d.go", i), fmt.Sprintf("N%d", i))
		f.Refs = refsOf([]byte(common + " wanted"))
		x.Update(f)
	}
	// As many again sharing less, all of them using "faraway".
	half := strings.Join(strings.Fields(common)[:5], " ")
	for i := range maxVoters {
		f := file(fmt.Sprintf("/w/p/far%02d.go", i), fmt.Sprintf("F%d", i))
		f.Refs = refsOf([]byte(half + " faraway other words here"))
		x.Update(f)
	}
	co := x.cooccurring(self, "/w/p/self.go", false, []string{"/w/p"})
	if got := co[hashName("wanted")]; got < 0.99 {
		t.Errorf("wanted: %.3f, want ~1 (every voter uses it)", got)
	}
	if got := co[hashName("faraway")]; got != 0 {
		t.Errorf("faraway: %.3f, want 0 (only files past the %d most similar use it)", got, maxVoters)
	}
	if got := co[hashName("alpha")]; got != 0 {
		t.Errorf("alpha: %.3f, want 0 (self uses it already)", got)
	}
}
