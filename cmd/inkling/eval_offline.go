package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/inkling-ls/inkling/completion/provider/local"
)

// evalOffline is `inkling eval offline [-json] [-dev] [-holdout F] [-fold K] [-min-confidence P]
// [module@version | dir ...]`: it trains the embedded offline engine on 90%
// of a real module's files and scores it on the rest (next-token MRR,
// line completion at line starts and mid-line, speed and memory). Modules
// are fetched through the Go module proxy into a temporary module cache
// that is removed afterwards; with no arguments it uses the pinned
// github.com/spf13/cobra@v1.8.1 and github.com/BurntSushi/toml@v1.4.0.
func evalOffline(args []string) error {
	fs := flag.NewFlagSet("eval offline", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	holdOut := fs.Float64("holdout", 0.1, "fraction of files held out for testing")
	dev := fs.Bool("dev", false, "for tuning: leave the held-out files unread and score a development split of the training files")
	minConf := fs.Float64("min-confidence", local.DefaultMinConfidence, "line probability below which nothing is offered")
	maxBytes := fs.Int64("max-bytes", 0, "memory cap of the model in bytes (0: the default)")
	fold := fs.Int("fold", 0, "which slice of the files (by path hash) to hold out: 0 is the reported split; 1, 2, ... the next, for cross-validation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	targets := fs.Args()
	if len(targets) == 0 {
		for _, m := range local.EvalModules {
			targets = append(targets, m.Path+"@"+m.Version)
		}
	}
	opts := local.EvalOptions{HoldOut: *holdOut, Dev: *dev, Fold: *fold, Engine: local.Options{MinConfidence: *minConf, MaxBytes: *maxBytes}}
	var reports []local.Report
	for _, t := range targets {
		dir, cleanup := t, func() {}
		if st, err := os.Stat(t); err != nil || !st.IsDir() {
			path, version, ok := strings.Cut(t, "@")
			if !ok {
				return fmt.Errorf("%s: want module@version or a folder", t)
			}
			var err error
			dir, cleanup, err = local.FetchModule(context.Background(), local.Module{Path: path, Version: version})
			if err != nil {
				return err
			}
		}
		r, err := local.Evaluate(dir, opts)
		cleanup()
		if err != nil {
			return fmt.Errorf("%s: %v", t, err)
		}
		r.Dir = t
		reports = append(reports, r)
		if !*asJSON {
			fmt.Print(r.Format(), "\n")
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	return nil
}
