package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/apptest"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/lsp"
	"github.com/kilnhq/kiln/policies"
	"github.com/kilnhq/kiln/schemas/kube"
)

type lspOptions struct {
	cacheOptions
	kubeVersion string
	debounce    time.Duration
	logFile     string
}

func init() {
	commands = append(commands, &command{
		name:  "lsp",
		args:  "[flags]",
		short: "the language server, for editors (LSP over standard input and output)",
		long: `Lsp speaks the Language Server Protocol over standard input and output,
for kiln definitions, their test files, a Dockerfile beside an app and
.kiln/config.yaml. It reports what kiln check reports, at the same
positions, as you type; hovers show kiln explain's documentation and what a
value produced; completion offers fields, values, units and rule ids; code
actions apply kiln fix's fixes; code lenses open the rendered manifests,
Dockerfile and Helm values read-only, and run the app's tests.

Results are cached in memory and in the same cache as kiln check, so the
editor, the pre-commit hook and CI share their work and their answers.
Policy, data and configuration files are read from disk: a change to one
takes effect when it is saved.

Editor setup: docs/editors.md.`,
		minArgs: 0, maxArgs: 0,
		flags: func(fs *flag.FlagSet) any {
			o := &lspOptions{}
			o.cacheOptions.register(fs)
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			fs.DurationVar(&o.debounce, "debounce", lsp.DefaultDebounce, "how long after a change to wait for the next before checking")
			fs.StringVar(&o.logFile, "log", "", "append the server's log to this file")
			return o
		},
		run: func(env *Env, opts any, _ []string) int { return runLSP(env, opts.(*lspOptions)) },
	})
}

func runLSP(env *Env, o *lspOptions) int {
	kubeVersion := strings.TrimPrefix(o.kubeVersion, "v")
	if !slices.Contains(kube.Versions(), kubeVersion) {
		fmt.Fprintf(env.Stderr, "kiln lsp: --kube-version %s: kiln validates against %s\n", o.kubeVersion, strings.Join(kube.Versions(), ", "))
		return ExitBadInput
	}
	if o.debounce < 0 {
		fmt.Fprintf(env.Stderr, "kiln lsp: --debounce %s: a wait cannot be negative\n", o.debounce)
		return ExitBadInput
	}
	logger := log.New(io.Discard, "", 0)
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln lsp: --log: %v\n", err)
			return ExitBadInput
		}
		defer f.Close()
		logger = log.New(f, "kiln lsp: ", log.LstdFlags|log.Lmicroseconds)
	}
	s, err := schema.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln: internal error loading the app schema: %v\n", err)
		return ExitBadInput
	}
	c := newLSPChecker(o.cacheOptions.lspEngine(env, logger), kubeVersion)
	c.eval.sandbox = env.Sandbox // a Jsonnet bomb in a buffer ends a worker, not the server
	// The rendered views live beside the cache; without one, in a
	// directory of this session's.
	views := ""
	if dir := o.cacheOptions.resolved(env); dir != "" {
		views = filepath.Join(dir, "views")
	} else if tmp, err := os.MkdirTemp("", "kiln-lsp-views-"); err == nil {
		views = tmp
		defer os.RemoveAll(tmp)
	}
	c.views = views
	srv := lsp.New(lsp.Options{Checker: c, Schema: s, Debounce: o.debounce, Views: views, Version: version(), Log: logger, Sandbox: env.Sandbox})
	if err := srv.Serve(env.Ctx, stdio{env.Stdin, env.Stdout}); err != nil {
		logger.Print(err)
		return ExitFindings // the protocol's exit code for an exit without shutdown
	}
	return ExitClean
}

// lspEngine is the engine with a memory layer in front of the disk, for a
// long-running process; the layer's bound keeps a session's memory flat.
func (c *cacheOptions) lspEngine(env *Env, l *log.Logger) *engine.Engine {
	o := engine.Options{MemBytes: 64 << 20, Dir: c.resolved(env), Debug: env.Getenv("KILN_DEBUG"), Warn: func(msg string) { l.Print(msg) }}
	return engine.New(o)
}

// resolved is the cache directory the flags and environment name, or ""
// for none.
func (c *cacheOptions) resolved(env *Env) string {
	if c.noCache {
		return ""
	}
	if c.dir != "" {
		return c.dir
	}
	dir, _ := cache.DefaultDir(env.Getenv)
	return dir
}

// stdio is the server's connection: standard input and output.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }

// lspChecker is kiln check's per-app computation for the language server.
type lspChecker struct {
	eng         *engine.Engine
	kubeVersion string
	views       string
	eval        evalLimits // the server's sandbox; the bounds of load's defaults

	mu     sync.Mutex
	repos  map[string]*repoGuardrails // by the directory whose configuration governs
	builds map[[32]byte]*builtApp     // the latest builds, by their inputs
	order  [][32]byte
}

// repoGuardrails are one repository's guardrails, loaded once per
// session (and again after Reload), as kiln check loads them once per run.
type repoGuardrails struct {
	g       *guardrails
	ds      diag.List // why they could not be loaded
	shared  []byte
	prepare func() (prepared, error)
}

type builtApp struct {
	res   *build.Result
	files map[string][]byte
	err   error
	reads map[string][32]byte // what the load read, and its hash
	// cut: a time-out or a cancellation cut the build short; it answers
	// this request and is never remembered.
	cut bool
}

func newLSPChecker(eng *engine.Engine, kubeVersion string) *lspChecker {
	return &lspChecker{eng: eng, kubeVersion: kubeVersion, repos: map[string]*repoGuardrails{}, builds: map[[32]byte]*builtApp{}}
}

func (c *lspChecker) repo(def string) *repoGuardrails {
	root := discover.RepoRoot(def)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.repos[root]; ok {
		return r
	}
	r := &repoGuardrails{}
	r.g, r.ds = loadGuardrailsLazily([]string{def}, &policyOptions{}, true)
	if r.g != nil {
		r.shared = sharedKey(r.g, c.kubeVersion)
		r.prepare = preparer(r.g, c.kubeVersion)
	}
	c.repos[root] = r
	return r
}

// Reload forgets the loaded guardrails, after a policy, data or
// configuration file was saved.
func (c *lspChecker) Reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.repos = map[string]*repoGuardrails{}
	c.builds, c.order = map[[32]byte]*builtApp{}, nil
}

// input is the input of one app, read through read.
func (c *lspChecker) input(def string, read func(string) ([]byte, error)) input {
	data, err := read(def)
	in := input{file: source.NewFile(def, data), root: discover.RepoRoot(def), readErr: err, readFile: read, eval: c.eval}
	if r := c.repo(def); r.g != nil { // the repository's bounds, as kiln check's
		in.eval = in.eval.withConfig(r.g.cfg)
	}
	df := filepath.Join(filepath.Dir(def), "Dockerfile")
	if b, err := read(df); err == nil {
		in.dockerfile = source.NewFile(df, b)
	}
	return in
}

// Check is kiln check's computation, split for the editor into the app's
// own stages and one test file at a time, each memoised: a keystroke in a
// test file re-runs that file's cases, not the build; a keystroke in the
// definition re-runs both. The diagnostics are the ones kiln check reports.
func (c *lspChecker) Check(ctx context.Context, def string, read func(string) ([]byte, error)) (diag.List, error) {
	r := c.repo(def)
	if r.g == nil {
		return r.ds, nil
	}
	in := c.input(def, read)
	in.ctx = ctx
	res, _, err := checkApp(c.eng, r.shared, in, nil, r.prepare, r.g)
	if err != nil {
		return nil, err
	}
	fs := newFiles([]input{in})
	out := append(fromWire(res.Diags, fs), fromWire(res.Waived, fs)...)
	tests, err := c.tests(ctx, r, in, res)
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		if b, err := read(t.File); err == nil {
			fs.read[t.File] = source.NewFile(t.File, b)
		}
		out = append(out, fromWire(t.Diags, fs)...)
		for _, tc := range t.Tests {
			if tc.Status == "failed" {
				out = append(out, fromWire(tc.Failures, fs)...)
			}
		}
	}
	return out.Sort(), nil
}

// testRun is one test file's outcome, as the memory layer keeps it.
type testRun struct {
	File  string     `json:"file"`
	Diags []wireDiag `json:"diags"` // a malformed test file
	Tests []wireTest `json:"tests"`
}

// tests runs the test files beside the app, each under a key of its own:
// the shared inputs, the app, its repository root and what its load read
// (res.Deps), its Dockerfile, the test file and its snapshot, and the day
// (waivers expire).
func (c *lspChecker) tests(ctx context.Context, r *repoGuardrails, in input, res checked1) ([]testRun, error) {
	var out []testRun
	for _, t := range testsBeside(filepath.Dir(in.file.Name)) {
		k := c.eng.Key("lsp-test", 1)
		k.Add("shared", r.shared)
		k.Add("app "+in.file.Name, in.file.Content)
		k.AddString("root", rootKey(in))
		for _, name := range slices.Sorted(maps.Keys(res.Deps)) {
			k.AddString("dep "+name, res.Deps[name])
		}
		if in.dockerfile != nil {
			k.Add("dockerfile", in.dockerfile.Content)
		}
		content, _ := in.read(t)
		k.Add("test "+t, content)
		if bytes.Contains(content, []byte("matchSnapshot")) {
			snap, _ := in.read(filepath.Join(filepath.Dir(t), "__snapshot__", filepath.Base(t)+".snap"))
			k.Add("snapshot", snap)
		}
		k.AddString("day", time.Now().UTC().Format(time.DateOnly))
		run := func() ([]byte, error) {
			p, err := r.prepare()
			if err != nil {
				return nil, err
			}
			opts := p.opts
			opts.Context = ctx
			ch := checkOne(in, p.schema)
			tf := testFile{path: t, app: in.file.Name, isCUE: strings.HasSuffix(t, ".cue"), content: content}
			runTestFileOf(&tf, p.schema, opts, apptest.Options{Eval: in.loadOptions()}, &ch)
			if ctx.Err() != nil {
				return nil, ctx.Err() // abandoned: never stored
			}
			cut := interrupted(ch.diags) || interrupted(tf.diags)
			tr := testRun{File: t, Diags: toWire(tf.diags)}
			for _, cr := range tf.results {
				status := "passed"
				if !cr.Passed() {
					status = "failed"
				}
				tr.Tests = append(tr.Tests, wireTest{File: t, Name: cr.Case.Name, Status: status, Failures: toWire(cr.Failures)})
			}
			return resultOf(tr, cut)
		}
		b, _, err := c.eng.Do(k.Sum(), run, nil)
		if err != nil {
			return nil, err
		}
		var tr testRun
		if err := json.Unmarshal(b, &tr); err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// Build builds every artifact of the app, remembering the latest builds by
// their inputs: the definition, its repository root, its Dockerfile, the
// repository's shared key, and the files its load read (an open library's
// buffer included), which are read again and compared before a remembered
// build is used.
func (c *lspChecker) Build(ctx context.Context, def string, read func(string) ([]byte, error)) (*build.Result, map[string][]byte, error) {
	in := c.input(def, read)
	in.ctx = ctx
	r := c.repo(def)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%x\x00%d\x00", def, rootKey(in), r.shared, len(in.file.Content))
	h.Write(in.file.Content)
	if in.dockerfile != nil {
		h.Write(in.dockerfile.Content)
	}
	var key [32]byte
	h.Sum(key[:0])
	c.mu.Lock()
	b, ok := c.builds[key]
	c.mu.Unlock()
	if ok && b.readsHold(read) {
		return b.res, b.files, b.err
	}
	// Record what the load reads, to know when the build is stale.
	reads := map[string][32]byte{}
	var mu sync.Mutex
	in.readFile = func(name string) ([]byte, error) {
		data, err := read(name)
		mu.Lock()
		reads[name] = sha256.Sum256(data)
		mu.Unlock()
		return data, err
	}
	b = c.build(def, in)
	b.reads = reads
	if b.cut {
		return b.res, b.files, b.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, had := c.builds[key]; !had {
		c.order = append(c.order, key)
	}
	c.builds[key] = b
	if len(c.order) > 8 { // the open apps' latest versions
		delete(c.builds, c.order[0])
		c.order = c.order[1:]
	}
	return b.res, b.files, b.err
}

// readsHold reports whether the files a build read still read the same.
func (b *builtApp) readsHold(read func(string) ([]byte, error)) bool {
	for name, sum := range b.reads {
		data, _ := read(name)
		if sha256.Sum256(data) != sum {
			return false
		}
	}
	return true
}

func (c *lspChecker) build(def string, in input) *builtApp {
	r := c.repo(def)
	if r.g == nil {
		return &builtApp{err: errors.New("the guardrails could not be loaded")}
	}
	p, err := r.prepare()
	if err != nil {
		return &builtApp{err: err}
	}
	ch := checkOne(in, p.schema)
	if in.ctx != nil && in.ctx.Err() != nil {
		return &builtApp{err: in.ctx.Err(), cut: true}
	}
	if load.Interrupted(ch.diags) {
		return &builtApp{err: errors.New("the definition did not finish loading"), cut: true}
	}
	if ch.app == nil {
		return &builtApp{err: errors.New("the definition does not check")}
	}
	opts := p.opts
	opts.Context = in.ctx
	opts.Dockerfile = in.dockerfile
	opts.Emit = build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, Helm: true}
	res, ds := build.Build(ch.doc, ch.app, opts)
	if in.ctx != nil && in.ctx.Err() != nil {
		return &builtApp{err: in.ctx.Err(), cut: true}
	}
	if interrupted(ds) {
		return &builtApp{err: errors.New("the guardrails did not finish"), cut: true}
	}
	if res == nil {
		return &builtApp{err: errors.New("the app does not build")}
	}
	files, err := emit.Files(res)
	return &builtApp{res: res, files: files, err: err}
}

func (c *lspChecker) Rules(def string) []guard.Rule {
	if r := c.repo(def); r.g != nil {
		return r.g.bundle.Rules()
	}
	if b, err := guard.Builtin(); err == nil {
		return b.Rules()
	}
	return nil
}

// RuleSource finds a rule's Rego file: the repository's own on disk; a
// built-in one is written, read-only, beside the rendered views, since it
// lives inside the kiln binary.
func (c *lspChecker) RuleSource(def, id string) (string, int, bool) {
	for _, r := range c.Rules(def) {
		if r.ID != id {
			continue
		}
		if !r.Builtin {
			abs, err := filepath.Abs(r.File)
			return abs, r.Line, err == nil
		}
		if c.views == "" {
			return "", 0, false
		}
		data, err := policies.FS.ReadFile(filepath.Base(r.File))
		if err != nil {
			return "", 0, false
		}
		name := filepath.Join(c.views, "policies", version(), filepath.Base(r.File))
		if err := lsp.WriteView(name, data); err != nil {
			return "", 0, false
		}
		return name, r.Line, true
	}
	return "", 0, false
}

func (c *lspChecker) RunTests(ctx context.Context, def string, read func(string) ([]byte, error)) (string, error) {
	r := c.repo(def)
	if r.g == nil {
		return "", errors.New("the guardrails could not be loaded")
	}
	in := c.input(def, read)
	res, _, err := checkApp(c.eng, r.shared, in, nil, r.prepare, r.g)
	if err != nil {
		return "", err
	}
	runs, err := c.tests(ctx, r, in, res)
	if err != nil {
		return "", err
	}
	if len(runs) == 0 {
		return "no tests beside " + filepath.Base(def), nil
	}
	passed, failed, malformed := 0, 0, 0
	for _, t := range runs {
		if len(t.Diags) > 0 {
			malformed++
		}
		for _, tc := range t.Tests {
			if tc.Status == "failed" {
				failed++
			} else {
				passed++
			}
		}
	}
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if malformed > 0 {
		summary += fmt.Sprintf("; %s could not run", plural(malformed, "test file"))
	}
	return summary, nil
}

// NewChecker returns the language server's Checker, validating against
// kubeVersion with a cache in cacheDir ("" for memory only), and writing
// the rendered views and built-in rules' sources under views ("" for
// none). Tests of package lsp drive the real engine through it.
func NewChecker(kubeVersion, cacheDir, views string) lsp.Checker {
	c := newLSPChecker(engine.New(engine.Options{Dir: cacheDir, MemBytes: 64 << 20}), kubeVersion)
	c.views = views
	return c
}

func (c *lspChecker) CheckConfig(ctx context.Context, path string, read func(string) ([]byte, error)) diag.List {
	data, err := read(path)
	f := source.NewFile(path, data)
	if err != nil {
		return diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "config/read", Kind: diag.Input, Message: "cannot read the configuration: " + err.Error()}}
	}
	cfg, ds := config.Parse(f, filepath.Dir(filepath.Dir(path)))
	if ds != nil {
		return ds
	}
	// The policies and data it names, as saved: what every app is judged by.
	r := c.repo(path)
	if r.g == nil {
		return r.ds
	}
	return cfg.CheckRules(r.g.bundle.Known)
}
