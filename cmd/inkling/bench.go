package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/inkling-ls/inkling/server/replay"
)

// benchCmd runs the latency benchmarks a person can rerun by hand:
//
//	inkling bench replay [flags] CASE   type a file against a fake model
//	inkling bench startup [flags]       spawn → initialize, and memory
func benchCmd(args []string) error {
	if len(args) == 0 {
		return errors.New("bench needs a subject: replay or startup")
	}
	switch args[0] {
	case "replay":
		return benchReplay(args[1:])
	case "startup":
		return benchStartup(args[1:])
	}
	return fmt.Errorf("bench: unknown subject %q (replay or startup)", args[0])
}

func benchReplay(args []string) error {
	fs := flag.NewFlagSet("bench replay", flag.ContinueOnError)
	key := fs.Duration("key", 40*time.Millisecond, "time between keys")
	pause := fs.Duration("pause", 200*time.Millisecond, "extra pause after each newline")
	ttft := fs.Duration("ttft", 150*time.Millisecond, "the fake model's time to first token")
	tok := fs.Duration("token", 10*time.Millisecond, "the fake model's time per further token")
	mode := fs.String("mode", "oracle", "oracle (answers the file's true continuation) or wrong (fixed text)")
	partials := fs.Bool("partials", true, "send a partialResultToken (streaming ghost text)")
	invoked := fs.Bool("invoked", false, "triggerKind Invoked instead of Automatic (no debounce)")
	verbose := fs.Bool("v", false, "list every model call and every request left without a suggestion")
	child := fs.Bool("child", false, "run this binary's server as a child process over stdio, as an editor does (default: in-process)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: inkling bench replay [flags] CASE (a .txtar with «…» around the text to type, or any file, typed whole)")
	}
	c, err := replay.LoadCase(fs.Arg(0))
	if err != nil {
		return err
	}
	if *mode != string(replay.Oracle) && *mode != string(replay.Wrong) {
		return fmt.Errorf("-mode %q: oracle or wrong", *mode)
	}
	cfg := replay.DefaultConfig(c)
	cfg.KeyDelay, cfg.LinePause, cfg.TTFT, cfg.TokenDelay = *key, *pause, *ttft, *tok
	cfg.Mode, cfg.Partials, cfg.Invoked = replay.Mode(*mode), *partials, *invoked
	if *child {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		cfg.Command = []string{exe, "serve"}
	}
	fmt.Fprintf(os.Stderr, "typing %d keys of %s…\n", len(c.Keys()), c.Name)
	r, err := replay.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	if *verbose {
		for _, l := range r.Calls() {
			fmt.Println(l)
		}
	}
	r.Print(os.Stdout)
	return nil
}

// Startup is what benchStartup measured.
type Startup struct {
	Initialize  []time.Duration // spawn → initialize reply, per spawn
	RSSInit     int64           // bytes, after initialize
	RSSOpen     int64           // bytes, after the files were opened
	Files       int
	LinesPer    int
	Initialized time.Duration // initialized → the server answers a request
}

func benchStartup(args []string) error {
	fs := flag.NewFlagSet("bench startup", flag.ContinueOnError)
	n := fs.Int("n", 20, "spawns to time")
	files := fs.Int("files", 50, "files to open after initialize")
	lines := fs.Int("lines", 2000, "lines per file")
	src := fs.String("src", ".", "folder whose .go files make up the opened files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	st, err := MeasureStartup(exe, *n, *files, *lines, *src)
	if err != nil {
		return err
	}
	ds := slices.Clone(st.Initialize)
	slices.Sort(ds)
	fmt.Printf("%12.3f  initialize-p50-ms\n", ms(ds[len(ds)/2]))
	fmt.Printf("%12.3f  initialize-max-ms\n", ms(ds[len(ds)-1]))
	fmt.Printf("%12.1f  rss-after-initialize-MiB\n", float64(st.RSSInit)/(1<<20))
	fmt.Printf("%12.1f  rss-with-%d-files-of-%d-lines-MiB\n", float64(st.RSSOpen)/(1<<20), st.Files, st.LinesPer)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MeasureStartup spawns the server at exe n times and times spawn →
// initialize reply; the last one then opens files made of the .go files
// under src, and its resident memory is read after each step. The server
// runs with nothing configured, as on a first start, in an empty folder.
func MeasureStartup(exe string, n, files, lines int, src string) (*Startup, error) {
	st := &Startup{Files: files, LinesPer: lines}
	root, err := os.MkdirTemp("", "inkling-startup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	texts, err := goFiles(src, files, lines)
	if err != nil {
		return nil, err
	}
	for i := range n {
		last := i == n-1
		cmd := exec.Command(exe, "serve")
		cmd.Env = append(os.Environ(), "INKLING_PROVIDER=", "HOME="+root)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		r := bufio.NewReader(stdout)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		send := func(v map[string]any) error {
			v["jsonrpc"] = "2.0"
			b, _ := json.Marshal(v)
			_, err := fmt.Fprintf(stdin, "Content-Length: %d\r\n\r\n%s", len(b), b)
			return err
		}
		err = send(map[string]any{"id": 1, "method": "initialize", "params": map[string]any{
			"processId": os.Getpid(), "rootUri": "file://" + root, "capabilities": map[string]any{}}})
		if err == nil {
			err = waitReply(r, 1)
		}
		took := time.Since(start)
		if err == nil {
			st.Initialize = append(st.Initialize, took)
			err = send(map[string]any{"method": "initialized", "params": map[string]any{}})
		}
		if err == nil && last {
			// Let what initialized starts in the background settle.
			time.Sleep(500 * time.Millisecond)
			st.RSSInit, err = rss(cmd.Process.Pid)
			for j, t := range texts {
				if err != nil {
					break
				}
				err = send(map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{
					"uri": fmt.Sprintf("file://%s/f%02d.go", root, j), "languageId": "go", "version": 1, "text": t}}})
			}
			if err == nil {
				// A request after the opens is answered once they are applied.
				err = send(map[string]any{"id": 2, "method": "inkling/status", "params": map[string]any{}})
			}
			if err == nil {
				err = waitReply(r, 2)
			}
			if err == nil {
				time.Sleep(time.Second) // the background work the opens started
				st.RSSOpen, err = rss(cmd.Process.Pid)
			}
		}
		stdin.Close()
		done := make(chan struct{})
		go func() { io.Copy(io.Discard, r); cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

// waitReply reads messages until the response with id.
func waitReply(r *bufio.Reader, id int) error {
	for {
		n := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		if n < 0 {
			return errors.New("message without Content-Length")
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		var m struct {
			ID *int `json:"id"`
		}
		if json.Unmarshal(body, &m) == nil && m.ID != nil && *m.ID == id {
			return nil
		}
	}
}

// rss is a process's resident memory in bytes (Linux).
func rss(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// goFiles makes n distinct Go files of about lines lines each from the
// bodies of the .go files under dir (real code, repeated as needed).
func goFiles(dir string, n, lines int) ([]string, error) {
	var bodies []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			data, err := os.ReadFile(p)
			if err == nil {
				bodies = append(bodies, string(data))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(bodies) == 0 {
		return nil, fmt.Errorf("no .go files under %s", dir)
	}
	out := make([]string, n)
	k := 0
	for i := range out {
		var b strings.Builder
		fmt.Fprintf(&b, "package f%d\n\n", i)
		for count := 2; count < lines; k++ {
			body := bodies[k%len(bodies)]
			if j := strings.Index(body, "\n)\n"); j >= 0 {
				body = body[j+3:]
			}
			b.WriteString(body)
			count += strings.Count(body, "\n")
		}
		out[i] = b.String()
	}
	return out, nil
}
