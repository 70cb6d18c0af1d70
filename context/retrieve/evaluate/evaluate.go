// Package evaluate measures the context engine on real code fetched at run
// time (Go modules from the module proxy, npm packages, Debian packages) or
// found in a folder: how many of the identifiers a line needs, that its own
// file never mentions, the prompt contains, and whether their declarations
// are in it; against two baselines, the prefix and suffix alone and
// Copilot's neighbour-tab windows.
package evaluate

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/inkling-ls/inkling/context/neighbors"
	"github.com/inkling-ls/inkling/context/retrieve"
	"github.com/inkling-ls/inkling/context/symbols"
	"github.com/inkling-ls/inkling/context/tokens"
	"github.com/inkling-ls/inkling/context/workspace"
	"github.com/inkling-ls/inkling/treesitter"
)

// DefaultModules is the development corpus.
var DefaultModules = []string{"go.uber.org/zap@v1.27.0", "github.com/spf13/cobra@v1.8.1"}

// DefaultBudgets are the prompt budgets reported.
var DefaultBudgets = []int{1024, 2048, 4096}

// Run is `inkling eval context [-modcache DIR] [-max N] [-v] [source ...]`,
// where a source is a Go module@version, npm:package@version,
// deb:package (Debian's, as apt has it) or a folder, and may end in
// #sub to evaluate only the folder sub of it (npm:rxjs@7.8.1#package/src).
func Run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("eval context", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, `Usage: inkling eval context [flags] [source ...]

A source is a Go module@version, npm:package@version, deb:package (fetched
with apt-get download) or a folder, and may end in #sub to score only that
folder of it (npm:rxjs@7.8.1#package/src).
Default: %s.

`, strings.Join(DefaultModules, " and "))
		fs.PrintDefaults()
	}
	modcache := fs.String("modcache", "", "cache to download sources into and keep (default: a temporary one, removed after)")
	maxPoints := fs.Int("max", 0, "at most this many completion points per module, evenly spread (0: all)")
	verbose := fs.Bool("v", false, "print every point's misses")
	dump := fs.Int("dump", 0, "print the 2,048-token prompt of every Nth point")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mods := fs.Args()
	if len(mods) == 0 {
		mods = DefaultModules
	}
	cache := *modcache
	if cache == "" {
		tmp, err := os.MkdirTemp("", "inkling-eval-modcache-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cache = tmp
	}
	tokens.Warm()
	total := newTally(DefaultBudgets)
	for _, m := range mods {
		dir, err := fetch(cache, m)
		if err != nil {
			return err
		}
		t, err := evalModule(dir, *maxPoints, *verbose, *dump, out)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		fmt.Fprintf(out, "\n## %s (%d points)\n", m, t.points)
		t.print(out)
		total.merge(t)
	}
	if len(mods) > 1 {
		fmt.Fprintf(out, "\n## all modules (%d points)\n", total.points)
		total.print(out)
	}
	return nil
}

// fetch returns the folder of the source src, downloading it into cache
// unless it is a folder already.
func fetch(cache, src string) (string, error) {
	if i := strings.LastIndexByte(src, '#'); i >= 0 {
		dir, err := fetch(cache, src[:i])
		if err != nil {
			return "", err
		}
		sub := filepath.Join(dir, filepath.FromSlash(src[i+1:]))
		if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("%s: no folder %s in it", src, src[i+1:])
		}
		return sub, nil
	}
	switch {
	case strings.HasPrefix(src, "npm:"):
		return unpack(cache, src, "npm", "pack", "--silent", strings.TrimPrefix(src, "npm:"))
	case strings.HasPrefix(src, "deb:"):
		return unpack(cache, src, "apt-get", "download", "-q", strings.TrimPrefix(src, "deb:"))
	}
	if fi, err := os.Stat(src); err == nil && fi.IsDir() {
		return src, nil
	}
	return download(cache, src)
}

// unpack runs a command that downloads one archive into a fresh folder
// under cache (npm pack, apt-get download) and unpacks it there.
func unpack(cache, src string, command ...string) (string, error) {
	dir := filepath.Join(cache, strings.NewReplacer(":", "_", "/", "_", "@", "_").Replace(src))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %v: %s", strings.Join(command, " "), err, strings.TrimSpace(string(out)))
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "*.[td][ge][zb]")) // .tgz, .deb
	if len(archives) != 1 {
		return "", fmt.Errorf("%s: expected one archive in %s, found %d", src, dir, len(archives))
	}
	src = filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	x := exec.Command("tar", "xzf", archives[0], "-C", src)
	if strings.HasSuffix(archives[0], ".deb") {
		x = exec.Command("dpkg-deb", "-x", archives[0], src)
	}
	if out, err := x.CombinedOutput(); err != nil {
		return "", fmt.Errorf("unpacking %s: %v: %s", archives[0], err, strings.TrimSpace(string(out)))
	}
	return src, nil
}

// download fetches a module into the cache with the go command.
func download(cache, mod string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOFLAGS=-modcacherw", "GO111MODULE=on")
	cmd.Dir = cache
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", err
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	return info.Dir, nil
}

// point is one completion point.
type point struct {
	path  string
	line  int      // zero-based
	col   int      // byte column of the first non-blank character
	novel []string // identifiers of the rest of the line used nowhere else in the file
}

type method string

const (
	mLocal    method = "prefix/suffix only"
	mNeighbor method = "neighbour tabs (Copilot)"
	mInkling  method = "inkling"
)

var methods = []method{mLocal, mNeighbor, mInkling}

type stat struct {
	ids, recalled, defHits int
	promptTokens           []int
	gather                 []time.Duration
}

type tally struct {
	points  int
	budgets []int
	s       map[method]map[int]*stat
}

func newTally(budgets []int) *tally {
	t := &tally{budgets: budgets, s: map[method]map[int]*stat{}}
	for _, m := range methods {
		t.s[m] = map[int]*stat{}
		for _, b := range budgets {
			t.s[m][b] = &stat{}
		}
	}
	return t
}

func (t *tally) merge(o *tally) {
	t.points += o.points
	for m, bs := range o.s {
		for b, s := range bs {
			d := t.s[m][b]
			d.ids += s.ids
			d.recalled += s.recalled
			d.defHits += s.defHits
			d.promptTokens = append(d.promptTokens, s.promptTokens...)
			d.gather = append(d.gather, s.gather...)
		}
	}
}

func (t *tally) print(out io.Writer) {
	fmt.Fprintf(out, "| method | budget | novel-identifier recall | definition hit rate | prompt tokens (mean) | gathering p50 | gathering p99 |\n")
	fmt.Fprintf(out, "|---|---|---|---|---|---|---|\n")
	for _, m := range methods {
		for _, b := range t.budgets {
			s := t.s[m][b]
			fmt.Fprintf(out, "| %s | %d | %.3f | %.3f | %.0f | %s | %s |\n", m, b,
				ratio(s.recalled, s.ids), ratio(s.defHits, s.ids), mean(s.promptTokens),
				pct(s.gather, 0.50), pct(s.gather, 0.99))
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func mean(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

func pct(ds []time.Duration, p float64) string {
	if len(ds) == 0 {
		return "-"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	i = min(max(i, 0), len(s)-1)
	return fmt.Sprintf("%.2f ms", float64(s[i].Microseconds())/1000)
}

func evalModule(dir string, maxPoints int, verbose bool, dump int, out io.Writer) (*tally, error) {
	ws := workspace.New(dir)
	r := retrieve.New(ws, retrieve.Options{})
	defer r.Close()
	r.IndexRoots([]string{dir})
	r.WaitIndexed()
	idx := r.Index()

	files := map[string]string{}
	var paths []string
	langs := map[string]*treesitter.Language{}
	for _, f := range r.Files().Files() {
		if f.Language == nil || f.Language.ID == "shellscript" {
			continue
		}
		langs[f.Path] = f.Language
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, err
		}
		files[f.Path] = string(b)
		paths = append(paths, f.Path)
	}
	var points []point
	for _, p := range paths {
		if isTest(p) {
			continue
		}
		points = append(points, findPoints(p, files[p], langs[p], idx)...)
	}
	if maxPoints > 0 && len(points) > maxPoints {
		step := float64(len(points)) / float64(maxPoints)
		var s []point
		for i := 0; i < maxPoints; i++ {
			s = append(s, points[int(float64(i)*step)])
		}
		points = s
	}

	t := newTally(DefaultBudgets)
	t.points = len(points)
	for n, pt := range points {
		lang := langs[pt.path]
		text := files[pt.path]
		ls := lineStart(text, pt.line)
		le := ls + strings.IndexByte(text[ls:]+"\n", '\n')
		cur := ls + pt.col
		edited := text[:cur] + text[le:]
		// The index sees the buffer as it is at the cursor, not the file
		// with the line's answer in it.
		idx.Update(symbols.Extract(lang, pt.path, []byte(edited), nil))

		tabs := openTabs(pt.path, files, langs)
		for _, b := range ws.Buffers() {
			_ = ws.Close(b.URI)
		}
		for i := len(tabs) - 1; i >= 0; i-- {
			ws.Open(workspace.URIOf(tabs[i]), langs[tabs[i]].ID, 1, files[tabs[i]])
		}
		uri := workspace.URIOf(pt.path)
		ws.Open(uri, lang.ID, 1, edited)
		snap, err := ws.Snapshot(uri, true)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, pt.path)
		for _, b := range t.budgets {
			for _, m := range methods {
				prompt, took := buildPrompt(m, r, ws, snap, cur, b, rel)
				if dump > 0 && n%dump == 0 && m == mInkling && b == 2048 {
					fmt.Fprintf(out, "==== %s:%d wants %v\n%s\n==== end\n", rel, pt.line+1, pt.novel, prompt)
				}
				s := t.s[m][b]
				s.promptTokens = append(s.promptTokens, tokens.Count(prompt))
				if m != mLocal {
					s.gather = append(s.gather, took)
				}
				have := identSet(prompt)
				lines := promptLines(prompt)
				for _, id := range pt.novel {
					s.ids++
					if have[id] {
						s.recalled++
					} else if verbose && m == mInkling && b == 2048 {
						fmt.Fprintf(out, "miss %s:%d %s rank=%s %s\n", rel, pt.line+1, id, rankOf(idx, snap, cur, id), describe(idx, id, pt.path))
					}
					if declared(idx, id, pt.path, lines) {
						s.defHits++
					}
				}
			}
		}
		snap.Close()
		idx.Update(symbols.Extract(lang, pt.path, []byte(text), nil))
	}
	return t, nil
}

// buildPrompt assembles what the engine would send, by this rule: of a
// budget B, the suffix gets up to 15%; extra snippets up to half, or more
// when the file is too short to fill its share; the prefix the rest.
func buildPrompt(m method, r *retrieve.Retriever, ws *workspace.Workspace, snap *workspace.Snapshot, cur, budget int, rel string) (string, time.Duration) {
	text := snap.Text
	suffixCap := budget * 15 / 100
	suffix := takeLines(text[cur:], suffixCap, false)
	snipBudget := 0
	if m != mLocal {
		prefixShare := budget - suffixCap - budget/2
		if need := tokens.Count(text[:cur]); need < prefixShare {
			prefixShare = need
		}
		snipBudget = budget - prefixShare - tokens.Count(suffix)
	}
	local := [2]int{cur - len(takeLines(text[:cur], budget-suffixCap-budget/2, true)), cur + len(suffix)}
	var snips []retrieve.Snippet
	var took time.Duration
	switch m {
	case mInkling:
		start := time.Now()
		snips = r.Gather(context.Background(), retrieve.Request{Snapshot: snap, Offset: cur, Local: local, Budget: snipBudget, Deadline: start.Add(time.Second)})
		took = time.Since(start)
	case mNeighbor:
		start := time.Now()
		var tabs []neighbors.Tab
		for _, b := range ws.Buffers() {
			tabs = append(tabs, neighbors.Tab{URI: b.URI, Path: b.Path, LanguageID: b.LanguageID, Version: b.Version, Text: b.Text})
		}
		wins := neighbors.Find(snap.URI, snap.LanguageID, text, cur, tabs, neighbors.Copilot)
		took = time.Since(start)
		used := 0
		for _, w := range wins {
			p, _ := filepath.Rel(filepath.Dir(snap.Path), w.Path)
			room := snipBudget - used - header(p)
			kept := takeLines(w.Text, room, false)
			if kept == "" {
				break
			}
			snips = append(snips, retrieve.Snippet{Path: p, Text: kept, Kind: retrieve.KindNeighbor})
			used += header(p) + tokens.Count(kept) + 1
		}
	}
	var b strings.Builder
	used := 0
	for _, s := range snips {
		fmt.Fprintf(&b, "// Path: %s\n", s.Path)
		b.WriteString(s.Text)
		b.WriteByte('\n')
	}
	used = tokens.Count(b.String())
	prefix := takeLines(text[:cur], budget-used-tokens.Count(suffix)-header(rel), true)
	fmt.Fprintf(&b, "// Path: %s\n", rel)
	b.WriteString(prefix)
	b.WriteString("<CURSOR>")
	b.WriteString(suffix)
	return b.String(), took
}

func header(p string) int { return tokens.Count("// Path: "+p) + 1 }

// takeLines keeps whole lines of s within budget tokens: the last lines
// when fromEnd (a prefix), else the first (a suffix).
func takeLines(s string, budget int, fromEnd bool) string {
	if budget <= 0 {
		return ""
	}
	lines := strings.SplitAfter(s, "\n")
	used := 0
	if fromEnd {
		i := len(lines)
		for i > 0 {
			c := tokens.Count(lines[i-1])
			if used+c > budget {
				break
			}
			used += c
			i--
		}
		return strings.Join(lines[i:], "")
	}
	i := 0
	for i < len(lines) {
		c := tokens.Count(lines[i])
		if used+c > budget {
			break
		}
		used += c
		i++
	}
	return strings.Join(lines[:i], "")
}

// isTest reports whether path is a test (as the index judges one) or a
// declaration file or test data: indexed but not completion points.
func isTest(path string) bool {
	if symbols.IsTestPath(path) || strings.HasSuffix(path, ".d.ts") {
		return true
	}
	for _, dir := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if dir == "testdata" || dir == "testing" {
			return true
		}
	}
	return false
}

// findPoints finds the lines of a file that use an identifier the rest of
// the file never mentions and the module defines in another file.
func findPoints(path, text string, lang *treesitter.Language, idx *symbols.Index) []point {
	count := map[string]int{}
	eachIdent(text, func(id string) { count[id]++ })
	// A name the line itself declares (a field, a method, func init) is
	// not one it uses, whatever else shares the name; nor is the blank
	// identifier.
	declares := map[int]map[string]bool{}
	if f := idx.File(path); f != nil {
		for _, d := range f.Defs {
			l := int(d.Line)
			if declares[l] == nil {
				declares[l] = map[string]bool{}
			}
			declares[l][d.Name()] = true
		}
	}
	var out []point
	code := strings.Split(codeOnly(text, lang), "\n")
	for i, l := range strings.Split(text, "\n") {
		code := code[i]
		seen := map[string]bool{}
		var novel []string
		lineCount := map[string]int{}
		eachIdent(l, func(id string) { lineCount[id]++ })
		eachIdent(code, func(id string) {
			if seen[id] || count[id] != lineCount[id] || id == "_" || declares[i][id] {
				return
			}
			seen[id] = true
			for _, d := range idx.Named(id) {
				if d.File.Path != path && d.Kind != symbols.Embed {
					novel = append(novel, id)
					return
				}
			}
		})
		if len(novel) == 0 || strings.TrimSpace(code) == "" {
			continue
		}
		col := len(l) - len(strings.TrimLeft(l, " \t"))
		out = append(out, point{path: path, line: i, col: col, novel: novel})
	}
	return out
}

// codeOnly is text with its comments, string literals and keywords
// blanked (their line breaks kept), as the language's tree-sitter grammar
// finds them: a keyword is an unnamed leaf, and TypeScript's "from" or
// Ruby's "do" is not a use of a function of that name.
func codeOnly(text string, lang *treesitter.Language) string {
	t, err := treesitter.Parse(lang, []byte(text))
	if err != nil {
		return text
	}
	defer t.Close()
	b := []byte(text)
	var walk func(n *treesitter.Node)
	walk = func(n *treesitter.Node) {
		if typ := n.Type(); strings.Contains(typ, "comment") || strings.Contains(typ, "string") ||
			n.ChildCount() == 0 && !n.IsNamed() {
			for i := n.StartByte(); i < n.EndByte() && int(i) < len(b); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			return
		}
		for i := 0; i < int(n.ChildCount()); i++ {
			walk(n.Child(i))
		}
	}
	walk(t.Root())
	return string(b)
}

// openTabs is the target file and the four files of its folder sharing the
// most identifiers with it, most similar last (so the target is the most
// recently used tab and the most similar the next).
func openTabs(path string, files map[string]string, langs map[string]*treesitter.Language) []string {
	mine := map[string]bool{}
	eachIdent(files[path], func(id string) { mine[id] = true })
	type scored struct {
		p string
		n int
	}
	var cands []scored
	for p, t := range files {
		if p == path || filepath.Dir(p) != filepath.Dir(path) || langs[p] != langs[path] {
			continue
		}
		seen := map[string]bool{}
		n := 0
		eachIdent(t, func(id string) {
			if mine[id] && !seen[id] {
				seen[id] = true
				n++
			}
		})
		cands = append(cands, scored{p, n})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].n != cands[j].n {
			return cands[i].n > cands[j].n
		}
		return cands[i].p < cands[j].p
	})
	out := []string{}
	for i := 0; i < len(cands) && i < 4; i++ {
		out = append(out, cands[i].p)
	}
	return out
}

// declared reports whether a declaration line of id, in another file,
// appears in the prompt (trimmed, a body's opening brace aside).
func declared(idx *symbols.Index, id, self string, lines map[string]bool) bool {
	for _, d := range idx.Named(id) {
		if d.File.Path == self || d.Kind == symbols.Embed {
			continue
		}
		src := d.Sig()
		k := int(d.Line - d.Start)
		sl := strings.Split(src, "\n")
		if k < 0 || k >= len(sl) {
			continue
		}
		if lines[normLine(sl[k])] {
			return true
		}
	}
	return false
}

func normLine(l string) string {
	l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "// "))
	return strings.TrimSpace(strings.TrimSuffix(l, "{"))
}

func promptLines(p string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(p, "\n") {
		m[normLine(l)] = true
	}
	return m
}

func identSet(s string) map[string]bool {
	m := map[string]bool{}
	eachIdent(s, func(id string) { m[id] = true })
	return m
}

func eachIdent(s string, fn func(string)) {
	for i := 0; i < len(s); {
		c := s[i]
		if !(c == '_' || c >= 0x80 || c|0x20 >= 'a' && c|0x20 <= 'z') {
			i++
			if c >= '0' && c <= '9' {
				for i < len(s) && (s[i] == '_' || s[i] >= 0x80 || s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z' || s[i] >= '0' && s[i] <= '9') {
					i++
				}
			}
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 0x80 || s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		fn(s[i:j])
		i = j
	}
}

func lineStart(text string, line int) int {
	off := 0
	for i := 0; i < line; i++ {
		j := strings.IndexByte(text[off:], '\n')
		if j < 0 {
			return len(text)
		}
		off += j + 1
	}
	return off
}

// describe says where id is defined relative to the file at path, for -v.
func describe(idx *symbols.Index, id, path string) string {
	var parts []string
	for _, d := range idx.Named(id) {
		if d.File.Path == path {
			continue
		}
		where := "elsewhere"
		if d.File.Dir == filepath.Dir(path) {
			where = "samedir"
		}
		c := d.Container()
		if c == "" {
			c = "-"
		}
		parts = append(parts, fmt.Sprintf("%s/%s/%s", d.Kind, where, c))
	}
	return strings.Join(parts, ",")
}

// rankOf is where the best-ranked definition of id comes in the resolver's
// order (by score for the tokens, as packing takes them), for -v.
func rankOf(idx *symbols.Index, snap *workspace.Snapshot, cur int, id string) string {
	cands := idx.Resolve(symbols.Query{Path: snap.Path, LanguageID: snap.LanguageID, Text: snap.Text, Offset: cur, Tree: snap.Tree}, 0)
	sort.SliceStable(cands, func(i, j int) bool {
		return cands[i].Score/math.Sqrt(float64(cands[i].Def.Cost())) > cands[j].Score/math.Sqrt(float64(cands[j].Def.Cost()))
	})
	cost := 0
	for i, c := range cands {
		cost += c.Def.Cost()
		if c.Def.Name() == id && c.Def.File.Path != snap.Path {
			return fmt.Sprintf("%d/%d@%dtok", i, len(cands), cost)
		}
	}
	return fmt.Sprintf("none/%d", len(cands))
}
