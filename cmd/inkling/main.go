// Command inkling is the Inkling language server and its command-line tools.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `inkling: AI code completions for every LSP editor

Usage:
  inkling [serve] [--listen 127.0.0.1:PORT] [--log-file F] [--log-level L]
  inkling complete [--json] FILE:LINE:COL
  inkling eval offline|context [flags]
  inkling bench replay|startup [flags]
  inkling version

Configure the model with INKLING_PROVIDER, INKLING_ENDPOINT, INKLING_MODEL,
INKLING_API_KEY and INKLING_TEMPLATE, or the editor's "inkling" settings.
With nothing configured, Inkling uses a local model server if one answers
(Ollama on 127.0.0.1:11434, llama.cpp on 127.0.0.1:8080) and its embedded
offline engine otherwise.
`

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args)
	case "complete":
		err = complete(args)
	case "eval":
		err = eval(args)
	case "bench":
		err = benchCmd(args)
	case "version":
		fmt.Println("inkling", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "inkling: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inkling:", err)
		os.Exit(1)
	}
}

func eval(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("eval needs a subject: offline or context")
	}
	switch args[0] {
	case "offline":
		return evalOffline(args[1:])
	case "context":
		return evalContext(args[1:])
	}
	return fmt.Errorf("eval: unknown subject %q (offline or context)", args[0])
}
