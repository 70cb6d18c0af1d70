package server

import (
	"strings"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/server/lsptest"
)

// TestLocalMemorySetting: the offline engine's memory cap follows the
// setting, from the environment, initializationOptions and later
// changes; a value out of range is refused by name and the cap kept.
func TestLocalMemorySetting(t *testing.T) {
	s := startSession(t, Options{Env: env("INKLING_LOCAL_MEMORY_MIB", "48")})
	s.Initialize("file://"+t.TempDir(), nil, map[string]any{})
	waitCap := func(want int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			got := s.srv.ctx.local.Stats().MaxBytes
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("offline model cap %d, want %d", got, want)
			}
		}
	}
	waitCap(48 << 20)
	var st struct {
		Offline struct {
			MaxBytes int64 `json:"maxBytes"`
		} `json:"offline"`
	}
	s.MustCall("inkling/status", nil, &st)
	if st.Offline.MaxBytes != 48<<20 {
		t.Errorf("inkling/status reports an offline cap of %d, want %d", st.Offline.MaxBytes, 48<<20)
	}
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"localMemoryMiB": 24}}})
	waitCap(24 << 20)
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"localMemoryMiB": 2}}})
	if _, ok := s.WaitNote("window/showMessage", 10*time.Second, func(m lsptest.Message) bool {
		return strings.Contains(string(m.Params), "localMemoryMiB")
	}); !ok {
		t.Errorf("a cap of 2 MiB was not refused by name; messages: %v", s.Notes("window/showMessage"))
	}
	waitCap(24 << 20)
}

// TestLocalMemoryBadEnv: a bad INKLING_LOCAL_MEMORY_MIB is named and the
// default kept.
func TestLocalMemoryBadEnv(t *testing.T) {
	s := startSession(t, Options{Env: env("INKLING_LOCAL_MEMORY_MIB", "lots")})
	s.Initialize("file://"+t.TempDir(), nil, map[string]any{})
	if len(s.messages("window/showMessage", "INKLING_LOCAL_MEMORY_MIB")) == 0 {
		t.Errorf("a bad INKLING_LOCAL_MEMORY_MIB was not named; messages: %v", s.Notes("window/showMessage"))
	}
}
