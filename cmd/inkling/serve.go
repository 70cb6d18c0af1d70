package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/inkling-ls/inkling/completion/provider"
	"github.com/inkling-ls/inkling/server"
	"github.com/inkling-ls/inkling/server/replay"
)

func newLogger(file, level string) (*zap.Logger, *zap.AtomicLevel, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, nil, fmt.Errorf("--log-level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.Encoding = "console"
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.Sampling = nil
	cfg.DisableStacktrace = true
	// Never stdout: in stdio mode it carries the protocol.
	cfg.OutputPaths = []string{"stderr"}
	cfg.ErrorOutputPaths = []string{"stderr"}
	if file != "" {
		cfg.OutputPaths = []string{file}
	}
	l, err := cfg.Build()
	return l, &cfg.Level, err
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "", "serve LSP over TCP on this address (loopback unless --allow-remote) instead of stdio")
	allowRemote := fs.Bool("allow-remote", false, "allow --listen on a non-loopback address (requires INKLING_TOKEN)")
	logFile := fs.String("log-file", "", "write logs to this file instead of stderr")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.Bool("stdio", true, "serve over stdio (the default; accepted for editors that pass it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, level, err := newLogger(*logFile, *logLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	opts := server.Options{Version: version, Logger: log, LogLevel: level}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *listen == "" {
		s := server.New(opts)
		var in io.Reader = pollableStdin()
		var out io.Writer = os.Stdout
		trace := os.Getenv(replay.WireTraceEnv)
		var tr *replay.WireTrace
		if trace != "" {
			// For the typing replay: it times the server at its own wire.
			tr = &replay.WireTrace{}
			in, out = tr.Reader(in), tr.Writer(out)
			provider.WrapConns(tr.Conn)
		}
		err := s.Serve(ctx, in, out, nil)
		if tr != nil {
			if err := tr.Save(trace); err != nil {
				log.Warn("wire trace", zap.Error(err))
			}
		}
		if err != nil {
			log.Info("session ended", zap.Error(err))
			os.Exit(1)
		}
		return nil
	}
	return serveTCP(ctx, *listen, *allowRemote, opts, log)
}

// serveTCP accepts LSP sessions on addr, one server per connection. Only
// loopback unless the user allows otherwise, and then a token is required:
// a completion server reads source code and must not be open to a network.
func serveTCP(ctx context.Context, addr string, allowRemote bool, opts server.Options, log *zap.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	token := os.Getenv("INKLING_TOKEN")
	if !loopback {
		if !allowRemote {
			return fmt.Errorf("--listen %s is not a loopback address; pass --allow-remote and set INKLING_TOKEN to serve beyond this machine", addr)
		}
		if len(token) < 16 {
			return fmt.Errorf("serving on %s needs INKLING_TOKEN set to a secret of at least 16 characters", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", zap.String("addr", ln.Addr().String()))
	fmt.Fprintln(os.Stderr, "inkling: listening on", ln.Addr().String())
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go func() {
			defer c.Close()
			r := server.Reader(c)
			if !loopback || token != "" {
				if !server.CheckToken(r, token) {
					log.Warn("connection refused: bad or missing token", zap.String("remote", c.RemoteAddr().String()))
					return
				}
			}
			s := server.New(opts)
			if err := s.Serve(ctx, r, c, c); err != nil {
				log.Info("session ended", zap.String("remote", c.RemoteAddr().String()), zap.Error(err))
			}
		}()
	}
}
