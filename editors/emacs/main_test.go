package emacs_test

import (
	"os"
	"testing"

	"github.com/inkling-ls/inkling/editors/editortest"
)

// TestMain removes the inkling binary the tests built.
func TestMain(m *testing.M) { os.Exit(editortest.Run(m)) }
