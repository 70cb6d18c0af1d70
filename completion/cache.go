package completion

import (
	"hash/maphash"
	"strings"
	"sync"
)

var seed = maphash.MakeSeed()

// key identifies the text around a cursor without holding on to it: the
// lengths of everything before and after the cursor, and hashes of the
// keyWindow bytes on each side. Hashing whole documents cost up to four
// passes over the text per keystroke (100 µs on a 10,000-line file); an
// edit beyond the windows that keeps both lengths (a character replaced
// far away) goes unseen, and what it leaves valid is an answer about the
// code at the cursor, which that edit did not touch.
type key struct {
	prefixLen, suffixLen   int
	prefixHash, suffixHash uint64
}

// keyWindow is how much text on each side of the cursor a key hashes:
// more than any prompt window.
const keyWindow = 16 << 10

func makeKey(text string, offset int) key {
	return key{
		prefixLen: offset, suffixLen: len(text) - offset,
		prefixHash: hashBefore(text, offset), suffixHash: hashAfter(text, offset),
	}
}

// hashBefore hashes the keyWindow bytes before offset.
func hashBefore(text string, offset int) uint64 {
	return maphash.String(seed, text[max(0, offset-keyWindow):offset])
}

// hashAfter hashes the keyWindow bytes from offset on.
func hashAfter(text string, offset int) uint64 {
	return maphash.String(seed, text[offset:min(len(text), offset+keyWindow)])
}

// typedSince returns what was typed between k and the cursor at offset in
// text, when the text around it is otherwise unchanged (the user has only
// typed at the cursor since k was taken). suffixHash is hashAfter(text,
// offset), computed once per request by the caller.
func (k key) typedSince(text string, offset int, suffixHash uint64) (string, bool) {
	if offset < k.prefixLen || len(text)-offset != k.suffixLen || suffixHash != k.suffixHash {
		return "", false
	}
	if hashBefore(text, k.prefixLen) != k.prefixHash {
		return "", false
	}
	return text[k.prefixLen:offset], true
}

// cacheEntry is one answer and the text it answered.
type cacheEntry struct {
	k      key
	answer string
}

// answerCache keeps recent answers per document. Looking one up serves the
// user typing through a suggestion on screen, and Tabby's forward cache:
// an answer is good for every state in which some of it has been typed.
type answerCache struct {
	mu      sync.Mutex
	size    int
	entries []cacheEntry // most recent last
}

func newAnswerCache(size int) *answerCache { return &answerCache{size: size} }

func (c *answerCache) add(k key, answer string) {
	if answer == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.k == k {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			break
		}
	}
	c.entries = append(c.entries, cacheEntry{k, answer})
	if len(c.entries) > c.size {
		c.entries = c.entries[len(c.entries)-c.size:]
	}
}

// lookup returns the rest of a cached answer that the text at offset has
// typed part of. An answer typed in full gives nothing: the user has it.
func (c *answerCache) lookup(text string, offset int, suffixHash uint64) (string, bool) {
	c.mu.Lock()
	entries := append([]cacheEntry(nil), c.entries...)
	c.mu.Unlock()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if offset < e.k.prefixLen || offset-e.k.prefixLen >= len(e.answer) {
			continue
		}
		// Cheap checks first: the typed text must match the answer.
		if !strings.HasPrefix(e.answer, text[e.k.prefixLen:offset]) {
			continue
		}
		if typed, ok := e.k.typedSince(text, offset, suffixHash); ok {
			return e.answer[len(typed):], true
		}
	}
	return "", false
}

// lookupCount is how many answers are kept (for tests).
func (c *answerCache) lookupCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
