package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
	"github.com/kilnhq/kiln/lsp"
	"github.com/kilnhq/kiln/policies"
)

// An Editor is kiln check's per-app computation for the language
// server, which implements its Checker: the same stages, keys and
// diagnostics as Workspace.Check, over the editor's buffers, one
// workspace per repository configuration.
type Editor struct {
	opts EditorOptions
	eval evalLimits // the server's sandbox; the bounds of load's defaults

	mu     sync.Mutex
	repos  map[string]*repoGuardrails   // by the configuration file that governs (or the repository without one)
	builds map[cache.ActionID]*builtApp // the latest builds, by their inputs
	order  []cache.ActionID
	// building are the builds running now, each closed when it ends.
	building map[cache.ActionID]chan struct{}
	// places are where the apps' dependencies were found (peers.go).
	places *places
}

// EditorOptions configure an Editor.
type EditorOptions struct {
	KubeVersion string         // as Options.KubeVersion
	Cache       *engine.Engine // with a memory layer, for a long session
	Sandbox     *sandbox.Pool  // as Options.Sandbox
	// Views is where built-in rules' sources are written, read-only, for
	// the editor to open ("" for none); Version names their directory.
	Views, Version string
}

// NewEditor returns the language server's engine.
func NewEditor(o EditorOptions) (*Editor, error) {
	if _, err := kubeVersion(o.KubeVersion); err != nil {
		return nil, err
	}
	if o.Cache == nil {
		o.Cache = engine.New(engine.Options{MemBytes: 64 << 20})
	}
	return &Editor{opts: o, eval: evalLimits{sandbox: o.Sandbox}, repos: map[string]*repoGuardrails{}, builds: map[cache.ActionID]*builtApp{}, building: map[cache.ActionID]chan struct{}{},
		places: newPlaces()}, nil
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
	reads map[string]string // what the load read: repofile.Sum of each file
	// cut: a time-out or a cancellation cut the build short; it answers
	// this request and is never remembered.
	cut bool
}

func (c *Editor) repo(def string) *repoGuardrails {
	// Guardrails are loaded per configuration file: two apps of one
	// repository governed by different ones are judged by their own.
	governs := discover.RepoRoot(def)
	if name, ok := config.Find(filepath.Dir(def)); ok {
		governs = name
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.repos[governs]; ok {
		return r
	}
	r := &repoGuardrails{}
	w, err := Open(context.Background(), Options{Dir: def, KubeVersion: c.opts.KubeVersion, Cache: c.opts.Cache, Sandbox: c.opts.Sandbox, LazyPolicies: true})
	if err == nil {
		r.g, err = w.guard()
	}
	var le *LoadError
	switch {
	case errors.As(err, &le):
		r.ds = le.Diagnostics
	case err != nil:
		r.ds = diag.List{{Severity: diag.Error, Code: "internal", Message: err.Error(), Kind: diag.Internal}}
	default:
		r.shared, r.prepare = w.sharedKey(), w.prepare
	}
	c.repos[governs] = r
	return r
}

// Reload forgets the loaded guardrails, after a policy, data or
// configuration file was saved.
func (c *Editor) Reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.repos = map[string]*repoGuardrails{}
	c.builds, c.order = map[cache.ActionID]*builtApp{}, nil
}

// input is the input of one app, read through read.
func (c *Editor) input(def string, src repofile.Source) input {
	data, err := src.ReadFile(def)
	// Each evaluation searches the repository afresh, as each run of kiln
	// check does, but starts from where the session found dependencies.
	peers := newPeerIndex()
	peers.places = c.places
	in := input{file: source.NewFile(def, data), root: discover.RepoRoot(def), readErr: err, src: src, eval: c.eval, peers: peers}
	if r := c.repo(def); r.g != nil { // the repository's bounds, as kiln check's
		in.eval = in.eval.withConfig(r.g.cfg)
	}
	df := filepath.Join(filepath.Dir(def), "Dockerfile")
	if b, err := src.ReadFile(df); err == nil {
		in.dockerfile = source.NewFile(df, b)
	}
	return in
}

// Apps lists the names the other definitions of def's repository give
// their apps, sorted, for the completion of spec.dependsOn.
func (c *Editor) Apps(def string, src repofile.Source) []string {
	in := c.input(def, src)
	var names []string
	for _, other := range in.mentioning(src, "") {
		oin := c.input(other, src)
		if n, _ := appName(oin); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Check is kiln check's computation, split for the editor into the app's
// own stages and one test file at a time, each memoised: a keystroke in a
// test file re-runs that file's cases, not the build; a keystroke in the
// definition re-runs both. The diagnostics are the ones kiln check reports.
func (c *Editor) Check(ctx context.Context, def string, src repofile.Source) (diag.List, error) {
	r := c.repo(def)
	if r.g == nil {
		return r.ds, nil
	}
	in := c.input(def, src)
	in.ctx = ctx
	res, _, err := checkApp(c.opts.Cache, r.shared, in, nil, r.prepare, r.g)
	if err != nil {
		return nil, err
	}
	fs := newFiles([]input{in})
	out := append(diag.Resolve(res.Diags, fs.get), diag.Resolve(res.Waived, fs.get)...)
	tests, err := c.tests(ctx, r, in, res)
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		if b, err := src.ReadFile(t.File); err == nil {
			fs.read[t.File] = source.NewFile(t.File, b)
		}
		out = append(out, diag.Resolve(t.Diags, fs.get)...)
		for _, tc := range t.Tests {
			if tc.Status == "failed" {
				out = append(out, diag.Resolve(tc.Failures, fs.get)...)
			}
		}
	}
	return out.Sort(), nil
}

// testRun is one test file's outcome, as the memory layer keeps it.
type testRun struct {
	File  string      `json:"file"`
	Diags []diag.Wire `json:"diags"` // a malformed test file
	Tests []wireTest  `json:"tests"`
}

// tests runs the test files beside the app, each under a key of its own:
// the shared inputs, the app, its repository root and what its load read
// (res.Deps), its Dockerfile, the test file and its snapshot, and the day
// (waivers expire).
func (c *Editor) tests(ctx context.Context, r *repoGuardrails, in input, res checked1) ([]testRun, error) {
	var out []testRun
	for _, t := range testsOf(in) {
		content, _ := in.read(t)
		k := testFileIn{Shared: r.shared, Definition: in.file, Root: rootKey(in), Deps: res.Deps, Dockerfile: in.dockerfile,
			Test: source.NewFile(t, content), Day: today(), App: in, Prepare: r.prepare}
		if bytes.Contains(content, []byte("matchSnapshot")) {
			k.Snapshot = repofile.Sum(in.read(snapshotOf(t)))
		}
		tr, _, err := testFileStage.Do(ctx, c.opts.Cache, k)
		if err != nil {
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
func (c *Editor) Build(ctx context.Context, def string, src repofile.Source) (*build.Result, map[string][]byte, error) {
	in := c.input(def, src)
	in.ctx = ctx
	r := c.repo(def)
	key, err := editorBuild.Key(c.opts.Cache, editorBuildIn{Shared: r.shared, Definition: in.file, Root: rootKey(in), Dockerfile: in.dockerfile})
	if err != nil {
		return nil, nil, err
	}
	for {
		c.mu.Lock()
		b, kept := c.builds[key]
		running, busy := c.building[key]
		c.mu.Unlock()
		if kept && repofile.Holds(src, b.reads) {
			return b.res, b.files, b.err
		}
		if !busy {
			break
		}
		// A hover and the code lenses ask at once: the app is built once.
		select {
		case <-running:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.building[key] = done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.building, key)
		c.mu.Unlock()
		close(done)
	}()
	// Record what the load reads, to know when the build is stale.
	pinned := repofile.Pin(src)
	in.src = pinned
	b := c.build(def, in)
	b.reads = pinned.Reads()
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

func (c *Editor) build(def string, in input) *builtApp {
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
	// What the editor shows is what kiln build writes: the repository's
	// outputs, else the default ones.
	if sel, ok := configuredOutputs(r.g.cfg); ok {
		opts.Emit = sel
	} else {
		opts.Emit = emit.Default()
	}
	res, ds := build.Build(ch.doc, ch.app, in.buildOptions(opts, p.schema))
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

func (c *Editor) Rules(def string) []guard.Rule {
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
func (c *Editor) RuleSource(def, id string) (string, int, bool) {
	for _, r := range c.Rules(def) {
		if r.ID != id {
			continue
		}
		if !r.Builtin {
			abs, err := filepath.Abs(r.File)
			return abs, r.Line, err == nil
		}
		if c.opts.Views == "" {
			return "", 0, false
		}
		data, err := policies.FS.ReadFile(filepath.Base(r.File))
		if err != nil {
			return "", 0, false
		}
		name := filepath.Join(c.opts.Views, "policies", c.opts.Version, filepath.Base(r.File))
		if err := lsp.WriteView(name, data); err != nil {
			return "", 0, false
		}
		return name, r.Line, true
	}
	return "", 0, false
}

func (c *Editor) RunTests(ctx context.Context, def string, src repofile.Source) (string, error) {
	r := c.repo(def)
	if r.g == nil {
		return "", errors.New("the guardrails could not be loaded")
	}
	in := c.input(def, src)
	res, _, err := checkApp(c.opts.Cache, r.shared, in, nil, r.prepare, r.g)
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
		summary += fmt.Sprintf("; %s could not run", report.Plural(malformed, "test file"))
	}
	return summary, nil
}

func (c *Editor) CheckConfig(ctx context.Context, path string, src repofile.Source) diag.List {
	data, err := src.ReadFile(path)
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
	return cfg.CheckRules(knownRule(r.g.bundle))
}

// testsOf lists the test files beside in's definition as its source sees
// them: a test file open in the editor and not yet saved counts.
func testsOf(in input) []string {
	repo, err := discover.Scan(in.source(), in.file.Name)
	if err != nil || len(repo.Apps) == 0 {
		return nil
	}
	var out []string
	for _, t := range repo.Apps[0].Tests {
		out = append(out, t.File)
	}
	return out
}
