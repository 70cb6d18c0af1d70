package kv

import "net/http"

// Stats is what /stats reports.
type Stats struct {
	Keys  int `json:"keys"`
	Bytes int `json:"bytes"`
}

// Stats counts the live keys and their bytes.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var st Stats
	for _, e := range s.data {
		if s.expired(e) {
			continue
		}
		st.Keys++
		st.Bytes += len(e.value)
	}
	return st
}

// Reset drops every key.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.data)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.store.Reset()
	w.WriteHeader(http.