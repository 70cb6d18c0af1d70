// Package treesitter owns every use of tree-sitter in Inkling: the language
// registry, parsing and incremental reparsing of buffers, and queries.
//
// It wraps github.com/smacker/go-tree-sitter and keeps its sharp edges
// inside: every Tree is closed explicitly (C memory is not collected), a Tree
// is never read from two goroutines (snapshots are Copy()s), and parses are
// never cancelled (a cancelled ParseCtx can poison the parser).
package treesitter

import (
	"path/filepath"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/bash"
	"github.com/smacker/go-tree-sitter/c"
	"github.com/smacker/go-tree-sitter/cpp"
	"github.com/smacker/go-tree-sitter/csharp"
	"github.com/smacker/go-tree-sitter/golang"
	"github.com/smacker/go-tree-sitter/java"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/lua"
	"github.com/smacker/go-tree-sitter/php"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/ruby"
	"github.com/smacker/go-tree-sitter/rust"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// Language is one grammar Inkling can parse. The grammar itself is loaded on
// first use, so startup pays for none of them.
type Language struct {
	ID         string   // canonical LSP languageId
	Extensions []string // file extensions, with the dot
	aliases    []string // other languageIds clients send

	load    func() *sitter.Language
	once    sync.Once
	grammar *sitter.Language

	// serial marks a grammar whose external scanner keeps its state in C
	// globals (Lua's: ending_char and level_count), so two parses at once
	// corrupt each other's trees; its parses take turns under parsing.
	serial  bool
	parsing sync.Mutex
}

func (l *Language) sitter() *sitter.Language {
	l.once.Do(func() { l.grammar = l.load() })
	return l.grammar
}

var languages = []*Language{
	{ID: "go", Extensions: []string{".go"}, aliases: []string{"golang"}, load: golang.GetLanguage},
	{ID: "python", Extensions: []string{".py", ".pyi", ".pyw"}, aliases: []string{"py"}, load: python.GetLanguage},
	{ID: "javascript", Extensions: []string{".js", ".mjs", ".cjs", ".jsx"}, aliases: []string{"javascriptreact", "js", "jsx"}, load: javascript.GetLanguage},
	{ID: "typescript", Extensions: []string{".ts", ".mts", ".cts"}, aliases: []string{"ts"}, load: typescript.GetLanguage},
	{ID: "typescriptreact", Extensions: []string{".tsx"}, aliases: []string{"tsx"}, load: tsx.GetLanguage},
	{ID: "rust", Extensions: []string{".rs"}, aliases: []string{"rs"}, load: rust.GetLanguage},
	{ID: "java", Extensions: []string{".java"}, load: java.GetLanguage},
	{ID: "c", Extensions: []string{".c", ".h"}, load: c.GetLanguage},
	{ID: "cpp", Extensions: []string{".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".c++", ".h++"}, aliases: []string{"c++"}, load: cpp.GetLanguage},
	{ID: "csharp", Extensions: []string{".cs"}, aliases: []string{"c#", "cs"}, load: csharp.GetLanguage},
	{ID: "ruby", Extensions: []string{".rb", ".rake", ".gemspec"}, aliases: []string{"rb"}, load: ruby.GetLanguage},
	{ID: "php", Extensions: []string{".php", ".phtml"}, load: php.GetLanguage},
	{ID: "shellscript", Extensions: []string{".sh", ".bash", ".zsh"}, aliases: []string{"bash", "sh", "shell", "zsh"}, load: bash.GetLanguage},
	{ID: "lua", Extensions: []string{".lua"}, load: lua.GetLanguage, serial: true},
}

var (
	byID  = map[string]*Language{}
	byExt = map[string]*Language{}
)

func init() {
	for _, l := range languages {
		byID[l.ID] = l
		for _, a := range l.aliases {
			byID[a] = l
		}
		for _, e := range l.Extensions {
			byExt[e] = l
		}
	}
}

// Languages lists every supported language.
func Languages() []*Language { return languages }

// Lookup finds the language of a buffer, by the client's languageId first and
// the file's extension second. It returns nil for a language Inkling has no
// grammar for; such buffers still complete, as plain text.
func Lookup(languageID, path string) *Language {
	if l := byID[strings.ToLower(languageID)]; l != nil {
		return l
	}
	return byExt[strings.ToLower(filepath.Ext(path))]
}
