// Package tokens counts prompt tokens offline with the cl100k_base BPE. It is
// an approximation for models with other vocabularies; budgets leave room.
//
// Counting is done line by line with a bounded cache of line counts: between
// two keystrokes almost every line of a prompt is unchanged, so a prompt of
// thousands of tokens costs one BPE run for the edited line instead of the
// milliseconds a whole-prompt encode takes.
package tokens

import (
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	encOnce sync.Once
	enc     tokenizer.Codec

	cacheMu sync.Mutex
	cache   = map[string]int{}
)

// maxCache bounds the line cache; it is cleared when full, which is cheap
// and keeps memory flat without LRU bookkeeping on every lookup.
const maxCache = 1 << 16

func codec() tokenizer.Codec {
	encOnce.Do(func() {
		var err error
		enc, err = tokenizer.Get(tokenizer.Cl100kBase)
		if err != nil {
			panic("tokens: embedded cl100k vocabulary missing: " + err.Error())
		}
	})
	return enc
}

// Line counts the tokens of one line (without its newline), cached.
func Line(line string) int {
	if line == "" {
		return 0
	}
	if n, ok := cached(line); ok {
		return n
	}
	n := encode(line)
	cacheMu.Lock()
	if len(cache) >= maxCache {
		clear(cache)
	}
	// A copy: line is usually a slice of a whole document, which the key
	// would otherwise keep alive as long as the cache holds it.
	cache[strings.Clone(line)] = n
	cacheMu.Unlock()
	return n
}

// Guess is Line for a piece of a line that is being typed, such as the
// text before the cursor: the cached count if there is one, else an
// estimate from its length. Such a piece is new at every key and is never
// found in the cache, and running the BPE on it costs 8 µs (more with cold
// caches) on the path of every completion, for a count that a budget with
// room for the approximation does not need exactly.
func Guess(line string) int {
	if line == "" {
		return 0
	}
	if n, ok := cached(line); ok {
		return n
	}
	return estimate(line)
}

func cached(line string) (int, bool) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	n, ok := cache[line]
	return n, ok
}

// estimate is a token count from a text's length: code averages three to
// four bytes a cl100k token.
func estimate(s string) int { return len(s)/3 + 1 }

func encode(s string) int {
	ids, _, err := codec().Encode(s)
	if err != nil {
		return estimate(s)
	}
	return len(ids)
}

// Count counts the tokens of a text: the sum over its lines, plus one per
// newline.
func Count(text string) int {
	n := 0
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return n + Line(text)
		}
		n += Line(text[:i]) + 1
		text = text[i+1:]
	}
}

// Warm loads the vocabulary; call it off the request path at startup.
func Warm() { codec() }
