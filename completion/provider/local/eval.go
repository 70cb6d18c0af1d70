package local

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"

	"github.com/inkling-ls/inkling/completion/provider"
)

// EvalOptions configures Evaluate.
type EvalOptions struct {
	Engine   Options // engine settings under test
	HoldOut  float64 // fraction of files held out for testing; default 0.1
	MaxFiles int     // cap on held-out files scored for lines; 0 = all
	// Dev, for tuning, sets the held-out files aside unread and splits
	// the training files again (by a salted hash of their paths) into
	// training and development files, and scores the development files:
	// settings chosen on it have not seen the held-out files.
	Dev bool
	// Fold picks which slice of the files, in the order of their paths'
	// hashes, is held out: 0 (the reported split) holds out those that
	// hash lowest, k the k-th slice after them. Cross-validation over
	// all folds shows how much one split's figure owes to its draw.
	Fold int
}

// Report is the outcome of Evaluate. Rates are fractions in [0, 1].
type Report struct {
	Dir         string `json:"dir"`
	Dev         bool   `json:"dev,omitempty"` // scored on the development split
	Fold        int    `json:"fold,omitempty"`
	TrainFiles  int    `json:"train_files"`
	TestFiles   int    `json:"test_files"`
	TrainTokens int64  `json:"train_tokens"`

	TrainSeconds float64 `json:"train_seconds"`
	TokensPerSec float64 `json:"tokens_per_sec"` // lexing and counting
	HeapBytes    uint64  `json:"heap_bytes"`     // heap in use after training, less the baseline
	ModelBytes   int64   `json:"model_bytes"`    // the engine's own estimate

	// Next-token prediction over the held-out files, the file cache
	// filled as each file is read (as in the FSE 2017 paper).
	NextTokens int     `json:"next_tokens"`
	MRR        float64 `json:"mrr"`  // reciprocal rank, top 10
	Top1       float64 `json:"top1"` // rank 1
	CodeTokens int     `json:"code_tokens"`
	MRRCode    float64 `json:"mrr_code"` // the same, layout symbols left out
	Top1Code   float64 `json:"top1_code"`
	// ByKind breaks the next-token figures down by the kind of the token
	// predicted: identifier, keyword, punctuation, literal, layout.
	ByKind     map[string]KindScore `json:"by_kind"`
	LineStart  LineScore            `json:"line_start"`
	MidLine    LineScore            `json:"mid_line"`
	LatencyP50 time.Duration        `json:"latency_p50_ns"`
	LatencyP99 time.Duration        `json:"latency_p99_ns"`
	LatencyMax time.Duration        `json:"latency_max_ns"`
}

// KindScore is the next-token score of one kind of token.
type KindScore struct {
	Tokens int     `json:"tokens"`
	MRR    float64 `json:"mrr"`
	Top1   float64 `json:"top1"`
}

// tokenKinds are the kinds of Report.ByKind, in print order.
var tokenKinds = []string{"identifier", "keyword", "punctuation", "literal", "layout"}

// LineScore scores completion of the rest of a line.
type LineScore struct {
	Points  int     `json:"points"`
	Offered float64 `json:"offered"`  // fraction of points with a suggestion
	Exact   float64 `json:"exact"`    // of offered: equal to the real rest of line, spacing runs aside
	EditSim float64 `json:"edit_sim"` // of offered: 1 - Levenshtein / longer length
}

type evalFile struct {
	path, text string
}

// Evaluate trains an engine on a deterministic 90% of the source files
// under dir and scores it on the rest.
func Evaluate(dir string, opts EvalOptions) (Report, error) {
	if opts.HoldOut <= 0 {
		opts.HoldOut = 0.1
	}
	eo := opts.Engine.withDefaults()
	train, test, err := splitFiles(dir, opts.HoldOut, opts.Fold, opts.Dev, eo.MaxFileBytes)
	if err != nil {
		return Report{}, err
	}

	r := Report{Dir: dir, Dev: opts.Dev, Fold: opts.Fold, TrainFiles: len(train), TestFiles: len(test)}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := New(eo)
	start := time.Now()
	e.trainAll(func(yield func(source) bool) {
		for _, f := range train {
			if !yield(source{path: f.path, text: f.text}) {
				return
			}
		}
	})
	r.TrainSeconds = time.Since(start).Seconds()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapInuse > before.HeapInuse {
		r.HeapBytes = after.HeapInuse - before.HeapInuse
	}
	st := e.Stats()
	r.TrainTokens, r.ModelBytes = st.Tokens, st.Bytes
	r.TokensPerSec = float64(st.Tokens) / r.TrainSeconds

	var lat []time.Duration
	for i, f := range test {
		e.nextToken(f, &r)
		if opts.MaxFiles > 0 && i >= opts.MaxFiles {
			continue
		}
		e.lines(f, &r, &lat)
	}
	if r.NextTokens > 0 {
		r.MRR /= float64(r.NextTokens)
		r.Top1 /= float64(r.NextTokens)
	}
	if r.CodeTokens > 0 {
		r.MRRCode /= float64(r.CodeTokens)
		r.Top1Code /= float64(r.CodeTokens)
	}
	for k, s := range r.ByKind {
		s.MRR /= float64(s.Tokens)
		s.Top1 /= float64(s.Tokens)
		r.ByKind[k] = s
	}
	for _, s := range []*LineScore{&r.LineStart, &r.MidLine} {
		if off := s.Offered; off > 0 {
			s.Exact /= off
			s.EditSim /= off
		}
		if s.Points > 0 {
			s.Offered /= float64(s.Points)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.LatencyP50 = lat[len(lat)/2]
		r.LatencyP99 = lat[min(len(lat)-1, len(lat)*99/100)]
		r.LatencyMax = lat[len(lat)-1]
	}
	return r, nil
}

// splitFiles reads the source files under dir and splits them into
// training and test files as Evaluate describes.
func splitFiles(dir string, holdOut float64, fold int, dev bool, maxFileBytes int) (train, test []evalFile, err error) {
	var all []evalFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || !learnable(d.Name(), data, maxFileBytes) {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		all = append(all, evalFile{filepath.ToSlash(rel), string(data)})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(all) < 2 {
		return nil, nil, fmt.Errorf("%s: only %d source files", dir, len(all))
	}
	// Hold out the files whose path hashes lowest: deterministic, and
	// exactly the asked fraction however the module is laid out.
	hash := func(s string) uint64 { h := fnv.New64a(); h.Write([]byte(s)); return h.Sum64() }
	slices.SortFunc(all, func(a, b evalFile) int { return cmp.Compare(hash(a.path), hash(b.path)) })
	nTest := max(1, int(float64(len(all))*holdOut+0.5))
	from := fold * nTest
	if fold < 0 || from >= len(all) {
		return nil, nil, fmt.Errorf("%s: fold %d of %d files held out %d at a time", dir, fold, len(all), nTest)
	}
	to := min(from+nTest, len(all))
	test = all[from:to]
	train = append(slices.Clone(all[:from]), all[to:]...)
	if dev {
		salted := func(s string) uint64 { return hash("dev:" + s) }
		train = slices.Clone(train)
		slices.SortFunc(train, func(a, b evalFile) int { return cmp.Compare(salted(a.path), salted(b.path)) })
		// A larger development share than the test's, for steadier figures.
		nDev := max(1, int(float64(len(train))*2*holdOut+0.5))
		test, train = train[:nDev], train[nDev:]
	}

	return train, test, nil
}

// nextToken adds one held-out file's next-token ranks to r.
func (e *Engine) nextToken(f evalFile, r *Report) {
	ids, _ := e.encode("", f.path, f.text)
	e.mu.RLock()
	defer e.mu.RUnlock()
	rd := e.newReader(f.path, len(ids))
	var buf []uint32
	for _, w := range ids {
		rank := rd.m.rank(&rd.c, w, 10, buf[:0])
		rr := 0.0
		if rank > 0 {
			rr = 1 / float64(rank)
		}
		r.NextTokens++
		r.MRR += rr
		if rank == 1 {
			r.Top1++
		}
		if !e.isNL(w) {
			r.CodeTokens++
			r.MRRCode += rr
			if rank == 1 {
				r.Top1Code++
			}
		}
		kind := "punctuation"
		switch s := e.vocab.strs[w]; {
		case e.isNL(w):
			kind = "layout"
		case rd.m.abs(w) == e.idSym:
			kind = "identifier"
		case rd.m.abs(w) == e.litSym:
			kind = "literal"
		case isWordByte(s[0]):
			kind = "keyword"
		}
		if r.ByKind == nil {
			r.ByKind = make(map[string]KindScore)
		}
		ks := r.ByKind[kind]
		ks.Tokens++
		ks.MRR += rr
		if rank == 1 {
			ks.Top1++
		}
		r.ByKind[kind] = ks
		rd.read(w)
	}
}

// reader reads a file token by token, its caches (the file, shape and
// declaration models) learning each token once it has been predicted.
type reader struct {
	m     *mix
	c     ctxs // the contexts before the next token
	strs  []string
	ids   []uint32
	steps []uint32 // ids as the shape model sees them
	// act, sact and dact are the file, shape and declaration models'
	// contexts as their tries know them.
	act, sact, dact [order]uint32
	depth, declFrom int // indentation level; where the declaration began
}

// newReader starts reading a file at path of about n symbols, all of
// them interned; e.mu must be held for reading while it is used.
func (e *Engine) newReader(path string, n int) *reader {
	abs := e.absFor(specFor("", path))
	m := e.newMix([nModels]*trie{e.global, nil, newTrie(), newTrie(), newTrie(), e.gref}, abs)
	e.vocab.mu.RLock()
	strs := e.vocab.strs
	e.vocab.mu.RUnlock()
	if on, goRules := syntaxRules("", path); on {
		e.checkSyntax(m, strs, goRules)
	}
	e.refReady(m, specFor("", path), strs)
	return &reader{m: m, c: m.start(), strs: strs, ids: make([]uint32, 0, n), steps: make([]uint32, 0, n)}
}

// read moves past w.
func (rd *reader) read(w uint32) {
	_, rd.c = rd.m.prob(&rd.c, w)
	i := len(rd.ids)
	ft, st, dt := rd.m.tries[file], rd.m.tries[shape], rd.m.tries[decl]
	rd.act = ft.room(1, rd.ids[max(0, i-order+1):], rd.act)
	ft.extend(&rd.act, w, -1)
	rd.c.n[file] = rd.act
	step := rd.m.abs(w)
	rd.sact = st.room(2, rd.steps[max(0, i-order+1):], rd.sact)
	st.extendShape(&rd.sact, w, step)
	rd.c.n[shape] = rd.sact
	rd.ids = append(rd.ids, w)
	rd.steps = append(rd.steps, step)
	// A line at the top level starts a new declaration: as declStart.
	if rd.m.isNL(w) {
		d, _ := nlDelta(rd.strs[w])
		if rd.depth = max(0, rd.depth+d); rd.depth == 0 {
			dt.reset()
			rd.dact = [order]uint32{}
			rd.declFrom = i
		}
	}
	rd.dact = dt.room(1, rd.ids[max(rd.declFrom, i-order+1):i], rd.dact)
	dt.extend(&rd.dact, w, -1)
	rd.c.n[decl] = rd.dact
}

// lines scores line completion at each code line's start (after its
// indentation) and at one point inside it, chosen by a hash of the
// position. The prompt holds only the text before the cursor.
func (e *Engine) lines(f evalFile, r *Report, lat *[]time.Duration) {
	toks := Lex("", f.path, f.text)
	off := 0
	lineStart := -1 // offset of the first code token of the current line
	lineEnd := -1   // end of its last code token
	multi := false
	atBOL := true
	flush := func() {
		if lineStart >= 0 && lineEnd > lineStart && !multi {
			truth := f.text[lineStart:lineEnd]
			e.score(f, lineStart, truth, &r.LineStart, lat)
			h := fnv.New32a()
			fmt.Fprintf(h, "%s:%d", f.path, lineStart)
			// A cursor strictly inside the line, on a character boundary.
			cut := lineStart + 1 + int(h.Sum32()%uint32(lineEnd-lineStart-1+1))
			if cut < lineEnd {
				for cut < lineEnd && !utf8.RuneStart(f.text[cut]) {
					cut++
				}
				e.score(f, cut, f.text[cut:lineEnd], &r.MidLine, lat)
			}
		}
		lineStart, lineEnd, multi = -1, -1, false
	}
	for _, t := range toks {
		off += len(t.Space)
		switch t.Kind {
		case Newline:
			flush()
			atBOL = true
		case Comment, End:
		default:
			if atBOL {
				lineStart = off
				atBOL = false
			}
			if lineStart >= 0 {
				lineEnd = off + len(t.Text)
				if strings.IndexByte(t.Text, '\n') >= 0 || t.Open {
					multi = true
				}
			}
		}
		if t.Kind == Comment && strings.IndexByte(t.Text, '\n') >= 0 {
			atBOL = false // a block comment ran over lines; its line is not code
			lineStart = -1
		}
		off += len(t.Text)
	}
	flush()
}

func (e *Engine) score(f evalFile, cursor int, truth string, s *LineScore, lat *[]time.Duration) {
	p := provider.Prompt{Path: f.path, Prefix: f.text[:cursor]}
	start := time.Now()
	got, _ := e.Suggest(p)
	*lat = append(*lat, time.Since(start))
	s.Points++
	if got == "" {
		return
	}
	s.Offered++
	a, b := squash(got), squash(truth)
	if a == b {
		s.Exact++
	}
	if n := max(len(a), len(b)); n > 0 {
		s.EditSim += 1 - float64(levenshtein.ComputeDistance(a, b))/float64(n)
	} else {
		s.EditSim++
	}
}

// squash collapses runs of spaces and tabs, which gofmt's alignment varies
// and the engine writes as one space, and trims the ends.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Module is a module version to fetch for the evaluation.
type Module struct{ Path, Version string }

// EvalModules are the pinned modules of the offline evaluation.
var EvalModules = []Module{
	{"github.com/spf13/cobra", "v1.8.1"},
	{"github.com/BurntSushi/toml", "v1.4.0"},
}

// FetchModule downloads m through the Go module proxy into a temporary
// module cache and returns its source folder and a cleanup function.
func FetchModule(ctx context.Context, m Module) (dir string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "inkling-eval-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", m.Path+"@"+m.Version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOMODCACHE="+filepath.Join(tmp, "mod"), "GOFLAGS=-modcacherw", "GOWORK=off")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	runErr := cmd.Run()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(out.Bytes(), &info)
	if info.Error != "" || runErr != nil || info.Dir == "" {
		cleanup()
		msg := info.Error
		if msg == "" {
			msg = strings.TrimSpace(errb.String())
		}
		if msg == "" && runErr != nil {
			msg = runErr.Error()
		}
		return "", nil, fmt.Errorf("fetching %s@%s: %s", m.Path, m.Version, msg)
	}
	return info.Dir, cleanup, nil
}

// Format renders r as a readable table.
func (r Report) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "corpus            %s\n", r.Dir)
	if r.Dev {
		fmt.Fprintf(&b, "files             %d train, %d development (held-out files unread)\n", r.TrainFiles, r.TestFiles)
	} else if r.Fold > 0 {
		fmt.Fprintf(&b, "files             %d train, %d held out (fold %d)\n", r.TrainFiles, r.TestFiles, r.Fold)
	} else {
		fmt.Fprintf(&b, "files             %d train, %d held out\n", r.TrainFiles, r.TestFiles)
	}
	fmt.Fprintf(&b, "training          %d tokens in %.3fs = %.2f M tokens/s\n", r.TrainTokens, r.TrainSeconds, r.TokensPerSec/1e6)
	fmt.Fprintf(&b, "memory            heap +%.1f MiB, model estimate %.1f MiB\n", float64(r.HeapBytes)/(1<<20), float64(r.ModelBytes)/(1<<20))
	fmt.Fprintf(&b, "next token        MRR %.3f  top-1 %.3f  (%d tokens)\n", r.MRR, r.Top1, r.NextTokens)
	fmt.Fprintf(&b, "  code only       MRR %.3f  top-1 %.3f  (%d tokens, layout symbols left out)\n", r.MRRCode, r.Top1Code, r.CodeTokens)
	for _, k := range tokenKinds {
		if s, ok := r.ByKind[k]; ok {
			fmt.Fprintf(&b, "  %-15s MRR %.3f  top-1 %.3f  (%d tokens, %.0f%% of the MRR lost)\n", k, s.MRR, s.Top1, s.Tokens,
				100*float64(s.Tokens)*(1-s.MRR)/(float64(r.NextTokens)*(1-r.MRR)))
		}
	}
	for _, x := range []struct {
		name string
		s    LineScore
	}{{"line start", r.LineStart}, {"mid-line", r.MidLine}} {
		fmt.Fprintf(&b, "%-17s offered %5.1f%%  exact %5.1f%%  edit-sim %.3f  (%d points)\n",
			x.name, 100*x.s.Offered, 100*x.s.Exact, x.s.EditSim, x.s.Points)
	}
	fmt.Fprintf(&b, "suggestion        p50 %v  p99 %v  max %v\n", r.LatencyP50.Round(time.Microsecond), r.LatencyP99.Round(time.Microsecond), r.LatencyMax.Round(time.Microsecond))
	return b.String()
}
