package replay

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/inkling-ls/inkling/completion"
	"github.com/inkling-ls/inkling/server"
)

// served is the server under test, in-process or a child process.
type served struct {
	rw    io.ReadWriteCloser // the editor's end
	done  chan struct{}      // closed when the server has ended
	stop  func()
	stats func(ctx context.Context, ed *editor) (map[string]int64, error)

	mu sync.Mutex
	ls []completion.Launch

	// A child's own record of its wire (WireTrace), written when it exits,
	// and where each request ended in what the editor wrote to it.
	trace string
	asked *countWriter
}

func (s *served) launches() []completion.Launch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]completion.Launch(nil), s.ls...)
}

// wait gives the server up to d to end after exit.
func (s *served) wait(d time.Duration) {
	select {
	case <-s.done:
	case <-time.After(d):
	}
}

// startInProcess runs the server in this process over pipes, with the
// engine's launch reports (debounce, preparation time) for the report.
func startInProcess(ctx context.Context, env map[string]string) *served {
	srv := server.New(server.Options{Version: "replay", NoProbe: true, Env: func(k string) string { return env[k] }})
	s := &served{done: make(chan struct{})}
	srv.Engine().OnLaunch = func(l completion.Launch) {
		s.mu.Lock()
		s.ls = append(s.ls, l)
		s.mu.Unlock()
	}
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	go func() {
		defer close(s.done)
		_ = srv.Serve(ctx, sr, sw, sw)
	}()
	s.rw = pipeRW{cr, cw}
	s.stop = func() { cw.Close() }
	s.stats = func(context.Context, *editor) (map[string]int64, error) { return srv.Engine().Stats.Snapshot(), nil }
	return s
}

// startChild runs command as the server, over its stdin and stdout, with
// the replay's settings in its environment. Its stderr (the log) is
// dropped unless INKLING_REPLAY_STDERR names a file. INKLING_REPLAY_CHILD_ENV
// adds variables of its own (space-separated K=V), for experiments such
// as INKLING_REPLAY_CHILD_ENV=GOMAXPROCS=1.
func startChild(ctx context.Context, command []string, env map[string]string, trace string) (*served, error) {
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Env = os.Environ()
	if v := os.Getenv("INKLING_REPLAY_CHILD_ENV"); v != "" {
		cmd.Env = append(cmd.Env, strings.Fields(v)...)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, WireTraceEnv+"="+trace)
	if p := os.Getenv("INKLING_REPLAY_STDERR"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		defer f.Close() // the child has its own copy
		cmd.Stderr = f
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("replay: starting %s: %w", strings.Join(command, " "), err)
	}
	asked := &countWriter{w: in, ends: map[string]int64{}}
	s := &served{rw: pipeRW{out, asked}, done: make(chan struct{}), trace: trace, asked: asked}
	go func() {
		defer close(s.done)
		_ = cmd.Wait()
	}()
	s.stop = func() {
		in.Close()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-s.done
		}
	}
	s.stats = func(ctx context.Context, ed *editor) (map[string]int64, error) {
		var st struct {
			Stats map[string]int64 `json:"stats"`
		}
		if err := ed.conn.Call(ctx, "inkling/status", nil, &st); err != nil {
			return nil, fmt.Errorf("replay: inkling/status: %w", err)
		}
		return st.Stats, nil
	}
	return s, nil
}

// launchesFromPrompts stands in for the engine's launch reports when the
// server is a child process: each call is matched, in order, to the
// latest request sent before it arrived whose text before the cursor ends
// the prompt's prefix (the prefix always ends at the cursor).
func launchesFromPrompts(c *Case, reqs []*request, calls []call) []completion.Launch {
	var out []completion.Launch
	for _, cl := range calls {
		p := fimPart(cl.prompt)
		if p == "" {
			continue
		}
		for k := len(reqs) - 1; k >= 0; k-- {
			q := reqs[k]
			if q.asked.After(cl.arrived) {
				continue
			}
			n := min(len(p), q.offset, 256)
			if p[len(p)-n:] == c.Text[q.offset-n:q.offset] {
				var l completion.Launch
				l.Position.Line, l.Position.Character = q.line, q.col
				l.Prompt.Prefix = p
				l.At = cl.arrived // unknown from outside: the wire time shows as 0
				out = append(out, l)
				break
			}
		}
	}
	return out
}
