package treesitter

import (
	"embed"
	"fmt"
)

// The tags queries follow tree-sitter's tags convention, extended for
// Inkling: @name is a defined name and @definition.KIND its defining node
// (KIND is function, method, type, class, interface, field, constant, var
// or module); @receiver names the type a method belongs to when the syntax
// puts it outside the type (Go receivers, Rust impl blocks, captured with
// @impl); @package is the file's package name; @import with @import.path
// and an optional @import.name is one import, and with @import.member
// (Python's from M import N) the import of M.N bound to N, which counts
// only if M.N is a module.
//
//go:embed queries/tags/*.scm
var tagsFS embed.FS

// tagsFile maps a language to its query file where they share one.
var tagsFile = map[string]string{"typescriptreact": "typescript"}

// TagsQuery returns the compiled tags query for l. It returns (nil, nil) for
// a language that has none.
func TagsQuery(l *Language) (*Query, error) {
	name := l.ID
	if f, ok := tagsFile[name]; ok {
		name = f
	}
	src, err := tagsFS.ReadFile("queries/tags/" + name + ".scm")
	if err != nil {
		return nil, nil
	}
	q, err := CompileQuery(l, string(src))
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return q, nil
}
