package local

import (
	"slices"
	"strings"
)

// Python's clauses (else, elif, except, finally) continue a compound
// statement, and only the right one: after a dedent the n-grams rank
// "else:" first, being short and common, wherever the block just left
// was a for loop's body or a plain statement's. pyBannedClauses finds
// which clause keywords cannot start the line at the end of prefix, by
// the header of the compound statement the line would continue: the last
// line before it at the same indentation.

// pyClauseAfter lists, for a header's first word, the clauses that may
// follow its block.
var pyClauseAfter = map[string][]string{
	"if":      {"elif", "else"},
	"elif":    {"elif", "else"},
	"for":     {"else"},
	"while":   {"else"},
	"try":     {"except", "finally"},
	"except":  {"except", "else", "finally"},
	"else":    {"finally"}, // try's else; an if's else takes none, and finally needs a try
	"async":   {"else"},    // async for
	"finally": nil,
}

var pyClauses = []string{"elif", "else", "except", "finally"}

// pyBannedClauses returns the clause keywords that cannot begin the line
// the cursor is on, or nil when the cursor is not at its start (after
// its indentation and at most part of a word).
func pyBannedClauses(prefix string) []string {
	nl := strings.LastIndexByte(prefix, '\n')
	line := prefix[nl+1:]
	ind := len(line) - len(strings.TrimLeft(line, " \t"))
	if strings.ContainsFunc(line[ind:], func(r rune) bool { return !isWordByte(byte(r)) || r >= 0x80 }) {
		return nil // past the first word
	}
	var allowed []string
	for rest := prefix[:max(nl, 0)]; nl >= 0; {
		j := strings.LastIndexByte(rest, '\n')
		l := rest[j+1:]
		rest, nl = rest[:max(j, 0)], j
		t := strings.TrimLeft(l, " \t")
		if t == "" || t[0] == '#' {
			continue
		}
		if li := len(l) - len(t); li > ind {
			continue // inside the block the line would close
		} else if li < ind {
			break // the line would be the first of a block: no clause
		}
		w := t[:len(t)-len(strings.TrimLeft(t, "abcdefghijklmnopqrstuvwxyz"))]
		allowed = pyClauseAfter[w]
		break
	}
	var banned []string
	for _, c := range pyClauses {
		if !slices.Contains(allowed, c) {
			banned = append(banned, c)
		}
	}
	return banned
}
