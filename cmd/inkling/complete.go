package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/inkling-ls/inkling/server"
)

// complete prints one completion for FILE:LINE:COL (1-based, the column in
// bytes, as compilers print positions) using the configured provider, or
// the offline engine trained on the file's project when none is set.
func complete(args []string) error {
	fs := flag.NewFlagSet("complete", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the full result, with the prompt, as JSON")
	logLevel := fs.String("log-level", "warn", "log level on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("complete needs one FILE:LINE:COL argument")
	}
	path, line, col, err := parseLocation(fs.Arg(0))
	if err != nil {
		return err
	}
	log, _, err := newLogger("", *logLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	res, err := server.CompleteOnce(context.Background(), server.Options{Version: version, Logger: log}, path, line, col)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if res.Text == "" {
		fmt.Fprintf(os.Stderr, "inkling: no suggestion at %s:%d:%d (provider %s)\n", path, line, col, res.Provider)
		os.Exit(3)
	}
	fmt.Println(res.Text)
	return nil
}

func parseLocation(s string) (path string, line, col int, err error) {
	i := strings.LastIndex(s, ":")
	j := strings.LastIndex(s[:max(i, 0)], ":")
	if i < 0 || j < 0 {
		return "", 0, 0, fmt.Errorf("%q: want FILE:LINE:COL", s)
	}
	line, err1 := strconv.Atoi(s[j+1 : i])
	col, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil || line < 1 || col < 1 {
		return "", 0, 0, fmt.Errorf("%q: LINE and COL must be numbers from 1", s)
	}
	return s[:j], line, col, nil
}
