// Package kv is a tiny in-memory key-value store with an HTTP front end.
// It is the demo workspace for Inkling's offline engine.
package kv

import (
	"errors"
	"sort"
	"sync"
	"time"
)

// ErrNotFound is returned when a key has no value.
var ErrNotFound = errors.New("kv: key not found")

// ErrEmptyKey is returned for an empty key.
var ErrEmptyKey = errors.New("kv: empty key")

type entry struct {
	value   []byte
	expires time.Time
}

// Store holds values by key. The zero value is not usable; call New.
type Store struct {
	mu   sync.RWMutex
	data map[string]entry
	now  func() time.Time
}

// New returns an empty store.
func New() *Store {
	return &Store{data: make(map[string]entry), now: time.Now}
}

// Get returns the value of key.
func (s *Store) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, ErrEmptyKey
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.data[key]
	if !ok || s.expired(e) {
		return nil, ErrNotFound
	}
	return e.value, nil
}

// Put sets the value of key.
func (s *Store) Put(key string, value []byte) error {
	if key == "" {
		return ErrEmptyKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = entry{value: value}
	return nil
}

// PutTTL sets the value of key until ttl has passed.
func (s *Store) PutTTL(key string, value []byte, ttl time.Duration) error {
	if key == "" {
		return ErrEmptyKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = entry{value: value, expires: s.now().Add(ttl)}
	return nil
}

// Delete removes key.
func (s *Store) Delete(key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[key]; !ok {
		return ErrNotFound
	}
	delete(s.data, key)
	return nil
}

// Keys returns the live keys in order.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.data))
	for k, e := range s.data {
		if s.expired(e) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len returns the number of live keys.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, e := range s.data {
		if !s.expired(e) {
			n++
		}
	}
	return n
}

func (s *Store) expired(e entry) bool {
	return !e.expires.IsZero() && s.now().After(e.expires)
}
