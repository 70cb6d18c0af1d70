package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkling-ls/inkling/completion/provider/providertest"
)

// secretFiles are files the exclusion rules must keep out of every prompt,
// each holding Go code that the file being completed refers to by name, so
// that every context source (open tabs, the definitions index, recent
// edits, the offline engine) would pick it if it could. Each carries its
// own canary.
var secretFiles = map[string]string{
	".env.go":           "env",           // .env*
	"server.pem.go":     "",              // not matched by *.pem: control below
	"id_rsa.go":         "rsa",           // id_rsa*
	".git/hooks/pre.go": "git",           // .git/
	"secrets/creds.go":  "userglob",      // the user's exclude glob
	"private/plan.go":   "inklingignore", // .inklingignore
}

func canary(tag string) string { return "canary_" + tag + "_b41d" }

func secretSource(tag string) string {
	name := strings.ToUpper(tag[:1]) + tag[1:]
	return fmt.Sprintf("package w\n\n// %s\nfunc Secret%s() string {\n\treturn %q\n}\n", canary(tag), name, canary(tag))
}

// workspaceWithSecrets writes the secret files, a visible file whose
// canary must reach the prompt (so that the test proves the sources work),
// the .inklingignore and plain secret files of the default patterns.
func workspaceWithSecrets(t *testing.T) string {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for rel, tag := range secretFiles {
		if tag != "" {
			write(rel, secretSource(tag))
		}
	}
	write("visible.go", secretSource("visible"))
	write(".inklingignore", "private/\n")
	write(".env", "API_TOKEN="+canary("dotenv")+"\n")
	write("tls.key", canary("key")+"\n")
	write("cert.pem", canary("pem")+"\n")
	write("store.p12", canary("p12")+"\n")
	write(".netrc", "machine x password "+canary("netrc")+"\n")
	write("go.mod", "module example.com/w\n\ngo 1.22\n")
	return dir
}

// mainSource uses every secret name near the cursor.
func mainSource() string {
	var b strings.Builder
	b.WriteString("package w\n\nfunc all() []string {\n\treturn []string{\n")
	for _, tag := range []string{"env", "rsa", "git", "userglob", "inklingignore", "visible"} {
		fmt.Fprintf(&b, "\t\tSecret%s(),\n", strings.ToUpper(tag[:1])+tag[1:])
	}
	b.WriteString("\t\t\n\t}\n}\n")
	return b.String()
}

// TestExcludedFilesNeverReachTheModel opens, edits and indexes secret files
// and completes next to code that names them. The model endpoint receives
// the visible file's code, and nothing of any excluded file, whichever
// source could have carried it; completing inside an excluded file asks
// the model nothing.
func TestExcludedFilesNeverReachTheModel(t *testing.T) {
	dir := workspaceWithSecrets(t)
	fake := providertest.Start(t, providertest.Fixed("SecretVisible(),\n"))
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", fake.URL+"/v1",
		"INKLING_MODEL", "qwen2.5-coder:1.5b")})
	s.Initialize("file://"+dir, nil, map[string]any{"exclude": []string{"secrets/**"}, "budgetTokens": 8000})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.srv.ctx.waitReady(ctx)

	// Every file open in the editor, secret ones included, and edited:
	// open tabs and recent edits are sources too.
	var secretURIs []string
	for rel, tag := range secretFiles {
		if tag == "" {
			continue
		}
		uri := "file://" + filepath.Join(dir, rel)
		secretURIs = append(secretURIs, uri)
		s.open(uri, "go", secretSource(tag))
		s.Notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
			"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(3, 0), "end": pos(3, 0)}, "text": "// edited " + canary(tag) + "\n"}}})
	}
	for _, name := range []string{".env", "tls.key", ".netrc"} {
		s.open("file://"+filepath.Join(dir, name), "plaintext", "edited\n")
	}
	visible := "file://" + filepath.Join(dir, "visible.go")
	s.open(visible, "go", secretSource("visible"))
	main := s.open("file://"+filepath.Join(dir, "main.go"), "go", mainSource())

	lines := strings.Split(mainSource(), "\n")
	for i := 0; i < 3; i++ {
		if _, err := s.Call("textDocument/inlineCompletion", inlineParams(main, len(lines)-4, 2)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the background context refresh
	}
	// Inside excluded files: no completion, no model call.
	before := len(fake.Requests())
	for _, uri := range secretURIs {
		res, err := s.Call("textDocument/inlineCompletion", inlineParams(uri, 0, len("package w")))
		if err != nil || strings.Contains(string(res), "insertText") {
			t.Errorf("%s: completion in an excluded file: %s %v", uri, res, err)
		}
	}
	if n := len(fake.Requests()) - before; n != 0 {
		t.Errorf("%d model calls for excluded files", n)
	}

	var sent strings.Builder
	for _, r := range fake.Requests() {
		sent.Write(r.Raw)
		sent.WriteString("\n")
	}
	if !strings.Contains(sent.String(), canary("visible")) {
		t.Fatalf("the visible file's code never reached the model, so this test proves nothing:\n%s", sent.String())
	}
	for _, tag := range []string{"env", "rsa", "git", "userglob", "inklingignore", "dotenv", "key", "pem", "p12", "netrc"} {
		if strings.Contains(sent.String(), canary(tag)) {
			t.Errorf("the model received %s", canary(tag))
		}
	}
}

// The offline engine trains on the workspace and on open files: never on
// excluded ones.
func TestOfflineEngineSkipsExcludedFiles(t *testing.T) {
	dir := workspaceWithSecrets(t)
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "local")})
	s.Initialize("file://"+dir, nil, map[string]any{"exclude": []string{"secrets/**"}})
	for rel, tag := range secretFiles {
		if tag != "" {
			s.open("file://"+filepath.Join(dir, rel), "go", secretSource(tag))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.srv.ctx.waitReady(ctx)
	time.Sleep(200 * time.Millisecond) // the open-file worker
	// Ask for each canary's continuation: the engine can only produce it
	// if it learnt the secret file.
	for _, tag := range []string{"env", "rsa", "git", "userglob", "inklingignore", "visible"} {
		src := secretSource(tag)
		src = src[:strings.Index(src, "return ")+len("return ")]
		uri := "file://" + filepath.Join(dir, "probe_"+tag+".go")
		s.open(uri, "go", src)
		res, err := s.Call("textDocument/inlineCompletion", inlineParams(uri, 4, len("\treturn ")))
		if err != nil {
			t.Fatal(err)
		}
		learnt := strings.Contains(string(res), canary(tag))
		if tag == "visible" {
			if !learnt {
				t.Errorf("the offline engine did not learn the visible file (%s), so this test proves nothing", res)
			}
			continue
		}
		if learnt {
			t.Errorf("the offline engine learnt %s: %s", canary(tag), res)
		}
	}
}

// TestAPIKeyNeverLogged runs a session at debug level through a success, a
// refused key the server quotes back, a key changed in the settings and a
// key of the wrong type, then reads every log line and every message the
// client received: no key anywhere.
func TestAPIKeyNeverLogged(t *testing.T) {
	const second = "sk-second-key-55aa77bb99cc"
	var n atomic.Int32
	fake := providertest.Start(t, func(r providertest.Recorded) providertest.Reply {
		if n.Add(1) == 2 {
			return providertest.ErrorReply(401, "Incorrect API key provided: "+testKey+" and Bearer "+second)
		}
		return providertest.Text("1\n")
	})
	s := startSession(t, Options{Env: env("INKLING_PROVIDER", "openai", "INKLING_ENDPOINT", fake.URL+"/v1",
		"INKLING_MODEL", "qwen2.5-coder:1.5b", "INKLING_API_KEY", testKey)})
	s.Initialize("", nil, map[string]any{"apiKey": testKey, "logLevel": "debug"})
	uri := s.open("file:///w/k.go", "go", "package k\n\nvar x = \n")
	s.Call("textDocument/inlineCompletion", inlineParams(uri, 2, 8))
	s.keystroke(uri, 0).Wait(t, 10*time.Second)
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"apiKey": second}}})
	s.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"inkling": map[string]any{"apiKey": []string{second}}}})
	time.Sleep(1100 * time.Millisecond) // past the breaker's first backoff
	s.keystroke(uri, 1).Wait(t, 10*time.Second)
	status, _ := s.Call("inkling/status", nil)

	if got := fake.Requests(); len(got) < 2 || got[len(got)-1].Header.Get("Authorization") != "Bearer "+second {
		t.Fatalf("the changed key was not used")
	}
	var client strings.Builder
	for _, m := range s.Notes("") {
		client.Write(m.Params)
		client.Write(m.Result)
		if m.Error != nil {
			client.WriteString(m.Error.Message)
		}
	}
	client.Write(status)
	logs := s.log.String()
	if !strings.Contains(logs, "DEBUG") {
		t.Fatal("the log is not at debug level")
	}
	for _, key := range []string{testKey, second} {
		if strings.Contains(logs, key) {
			t.Errorf("the log holds %s:\n%s", key, logs)
		}
		if strings.Contains(client.String(), key) {
			t.Errorf("the client was sent %s:\n%s", key, client.String())
		}
	}
}
