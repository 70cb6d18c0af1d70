package symbols

import (
	"cmp"
	"slices"
)

// maxVoters is how many of the most similar files vote in cooccurring.
const maxVoters = 24

// Which names a file uses, kept as sorted distinct 32-bit hashes: the
// names themselves would hold the file's text alive or cost a copy each,
// and co-occurrence only needs to compare sets. A collision merely adds a
// little noise to a ranking.

func hashName(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// refsOf is the set of identifiers in src, two bytes or longer.
func refsOf(src []byte) []uint32 {
	hs := make([]uint32, 0, len(src)/24)
	eachIdentBytes(src, func(id []byte) {
		if len(id) < 2 {
			return
		}
		h := uint32(2166136261)
		for _, c := range id {
			h ^= uint32(c)
			h *= 16777619
		}
		hs = append(hs, h)
	})
	slices.Sort(hs)
	hs = slices.Compact(hs)
	return append([]uint32(nil), hs...) // not the oversized scratch array
}

// appendIdentHashes appends the hashes of the identifiers in s, in the
// order they appear.
func appendIdentHashes(hs []uint32, s string) []uint32 {
	eachIdent(s, func(id string, _ int) { hs = append(hs, hashName(id)) })
	return hs
}

// eachIdentBytes is eachIdent over bytes, without making strings.
func eachIdentBytes(s []byte, fn func(id []byte)) {
	for i := 0; i < len(s); {
		c := s[i]
		if !isIdentStart(c) {
			i++
			if c >= '0' && c <= '9' {
				for i < len(s) && isIdentByte(s[i]) {
					i++
				}
			}
			continue
		}
		j := i + 1
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		fn(s[i:j])
		i = j
	}
}

// has reports whether the sorted set s holds h.
func has(s []uint32, h uint32) bool {
	_, ok := slices.BinarySearch(s, h)
	return ok
}

// jaccard is |a∩b| / |a∪b| of two sorted sets.
func jaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(n) / float64(len(a)+len(b)-n)
}

// cooccurring weighs the names the files like self use and self does not:
// each of the files of the folder (and of the folders given) most like
// self votes for the names it uses with its similarity to self, and the
// votes are normalised by the total, so a name every similar file uses
// scores near 1. It is what the neighbours of a file tell about the names
// it will need next. Only the maxVoters most similar vote: in a folder of
// hundreds of large files (pygments' lexers) counting every vote was most
// of a request's time, and the least similar files' votes weigh little.
func (x *Index) cooccurring(self []uint32, selfPath string, selfTest bool, dirs []string) map[uint32]float64 {
	if len(self) == 0 {
		return nil
	}
	type voter struct {
		sim  float64
		refs []uint32
	}
	var voters []voter
	for _, dir := range dirs {
		for _, f := range x.Dir(dir) {
			if f.Path == selfPath || (f.Test && !selfTest) || len(f.Refs) == 0 {
				continue
			}
			if sim := jaccard(self, f.Refs); sim >= 0.05 {
				voters = append(voters, voter{sim, f.Refs})
			}
		}
	}
	if len(voters) > maxVoters {
		slices.SortFunc(voters, func(a, b voter) int { return cmp.Compare(b.sim, a.sim) })
		voters = voters[:maxVoters]
	}
	votes := map[uint32]float64{}
	var total float64
	for _, v := range voters {
		total += v.sim
		for _, h := range v.refs {
			if !has(self, h) {
				votes[h] += v.sim
			}
		}
	}
	if total == 0 {
		return nil
	}
	for h := range votes {
		votes[h] /= total
	}
	return votes
}
