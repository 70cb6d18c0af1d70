package main

import (
	"os"

	"github.com/inkling-ls/inkling/context/retrieve/evaluate"
)

// evalContext is `inkling eval context [-modcache DIR] [-max N] [-v]
// [module@version ...]`: it measures the context engine on real modules
// downloaded at run time (zap and cobra by default) and prints the
// figures issue 3 asks for, with the two baselines.
func evalContext(args []string) error {
	return evaluate.Run(args, os.Stdout)
}
