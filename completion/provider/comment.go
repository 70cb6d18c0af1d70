package provider

import "strings"

// CommentLine spells text as a comment in the language with LSP languageId
// languageID, e.g. CommentLine("go", "Path: a.go") = "// Path: a.go". Each
// line of a multi-line text becomes its own comment line. Editors disagree
// on some ids (VS Code's "shellscript" is Neovim's "sh"), so both are known.
// Unknown languages get "//", the most common line comment in code.
func CommentLine(languageID, text string) string {
	open, close := commentSyntax(languageID)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if close != "" {
			lines[i] = open + " " + l + " " + close
		} else {
			lines[i] = open + " " + l
		}
	}
	return strings.Join(lines, "\n")
}

func commentSyntax(languageID string) (open, close string) {
	switch strings.ToLower(languageID) {
	case "python", "ruby", "shellscript", "sh", "bash", "zsh", "fish", "perl", "r",
		"yaml", "toml", "dockerfile", "makefile", "make", "cmake", "elixir", "powershell",
		"ps1", "nim", "julia", "coffeescript", "gdscript", "starlark", "bzl", "nix",
		"terraform", "hcl", "conf", "ini", "gitignore", "crystal", "tcl", "awk":
		return "#", ""
	case "lua", "sql", "haskell", "elm", "purescript", "ada", "vhdl", "plsql":
		return "--", ""
	case "lisp", "commonlisp", "scheme", "clojure", "racket", "emacs-lisp", "elisp", "fennel":
		return ";;", ""
	case "erlang", "latex", "tex", "matlab", "octave", "prolog":
		return "%", ""
	case "vim", "viml":
		return `"`, ""
	case "bat", "batch":
		return "REM", ""
	case "fortran":
		return "!", ""
	case "html", "xml", "markdown", "vue", "svelte", "xsl", "svg":
		return "<!--", "-->"
	case "css":
		return "/*", "*/"
	case "ocaml", "fsharp", "pascal":
		return "(*", "*)"
	}
	// go, c, cpp, objective-c, java, kotlin, scala, javascript(react),
	// typescript(react), rust, csharp, swift, dart, php, zig, scss, less,
	// groovy, proto, jsonc, solidity, and the unknown.
	return "//", ""
}
