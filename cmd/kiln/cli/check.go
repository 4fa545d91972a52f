package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/schemas/kube"

	"github.com/rogpeppe/go-internal/diff"
)

type checkOptions struct {
	reportOptions
	policyOptions
	cacheOptions
	jobs        int
	kubeVersion string
	progress    string
	// failIfNone makes a run whose files belong to no app exit 2, for CI.
	failIfNone bool
}

func init() {
	commands = append(commands, &command{
		name:  "check",
		args:  "[flags] [PATH...]",
		short: "the CI gate: schema, build, validation, guardrails and config tests, cached",
		long: `Check runs everything over the given paths (default: the repository holding
the working directory): the schema, the build of every environment with
strict Kubernetes validation, the guardrails, and the config tests beside
each app. It writes nothing. When .kiln/config.yaml names the directory
where kiln build's output is committed (outputs: DIR), check compares it
with a fresh build and reports each file that drifted, with a diff.

Results are cached (see kiln help cache): a second run over an unchanged
repository costs little more than reading its files, and changing one app
re-runs only that app.

Given files (as the pre-commit hook gives them), check maps each to its
apps: a test file, a snapshot or a Dockerfile selects the app beside it;
a file an app imports (a Jsonnet library anywhere in the repository)
selects every app that imports it; a policy, a data file (beside the
policies or named in the configuration), the configuration or a committed
output selects every app. A file that belongs to no app is said so, and
checks nothing: when no file belongs to an app, check says so and exits 0,
as a hook given unrelated files should; --fail-if-no-objects-found makes
that exit 2, for CI jobs that must check something.

On a terminal, a run that lasts more than a moment shows a progress bar
with the apps counted and the time taken; --progress=always shows it
elsewhere too (never in CI by default). The last lines summarise apps,
artifacts, findings, tests, cache hits and wall time.

Exit status: 0 clean, 1 findings at --fail-on or a failing test or drift,
2 when an input could not be checked.

Examples:

	kiln check
	kiln check apps/ --format sarif --report junit=kiln.xml
	kiln check apps/checkout/kiln.yaml policy/team.rego`,
		minArgs: 0, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &checkOptions{}
			o.reportOptions.register(fs)
			o.policyOptions.register(fs)
			o.cacheOptions.register(fs)
			// Twice the cores: an app answered from the cache waits on
			// reads more than on the CPU.
			fs.IntVar(&o.jobs, "j", 2*runtime.GOMAXPROCS(0), "how many apps to check at once")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			fs.StringVar(&o.progress, "progress", "auto", "progress line: auto (terminals outside CI), always, never")
			fs.BoolVar(&o.failIfNone, "fail-if-no-objects-found", false, "exit 2, not 0, when none of the given files belongs to an app (for CI)")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runCheck(env, opts.(*checkOptions), args) },
	})
}

// nothingChecked ends a run given only files kiln has nothing to check
// in: a hook passes every file of a commit, so that is a pass (exit 0),
// said on stderr; with --fail-if-no-objects-found, as CI wants, it is
// exit 2.
func nothingChecked(env *Env, msg string, fail bool) int {
	if fail {
		fmt.Fprintf(env.Stderr, "%s; exit 2 (--fail-if-no-objects-found)\n", msg)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "%s; exit 0 (--fail-if-no-objects-found makes this an error)\n", msg)
	return ExitClean
}

// cacheOptions are the flags of commands that use the cache.
type cacheOptions struct {
	dir     string
	noCache bool
}

func (c *cacheOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "cache-dir", "", "the cache directory (default: $KILN_CACHE, or kiln under the user cache directory)")
	fs.BoolVar(&c.noCache, "no-cache", false, "neither read nor write the cache")
}

// engine opens the cache as the flags say.
func (c *cacheOptions) engine(env *Env) *engine.Engine {
	o := engine.Options{Debug: env.Getenv("KILN_DEBUG"), Trace: env.Stderr,
		Warn: func(msg string) { fmt.Fprintf(env.Stderr, "kiln: warning: %s\n", msg) }}
	if !c.noCache {
		dir := c.dir
		if dir == "" {
			var err error
			if dir, err = cache.DefaultDir(env.Getenv); err != nil {
				o.Warn(fmt.Sprintf("no user cache directory (%v); running without a cache", err))
			}
		}
		o.Dir = dir
	}
	return engine.New(o)
}

// checked1 is one app's result, as the cache stores it.
type checked1 struct {
	File      report.File       `json:"file"`
	Diags     []wireDiag        `json:"diags"`
	Waived    []wireDiag        `json:"waived"`
	Tests     []wireTest        `json:"tests"`
	Documents int               `json:"documents"`
	Artifacts int               `json:"artifacts"`
	BadInput  bool              `json:"badInput"`
	Deps      map[string]string `json:"deps"`    // imported file → sha256, checked on a hit
	Waivers   []int             `json:"waivers"` // repository waivers it used
	// Considered is the app whose waivers the guardrails considered, so
	// that a result read from the cache still tells the repository's
	// waivers which app the run checked (an unused one is a warning).
	Considered string `json:"considered,omitempty"`
}

type wireTest struct {
	File     string     `json:"f"`
	Name     string     `json:"n"`
	Status   string     `json:"s"`
	Failures []wireDiag `json:"x,omitempty"`
}

// wireDiag is a diagnostic with its position as file name and offsets;
// the files are inputs of the key, so the offsets hold when it is read.
type wireDiag struct {
	File       string             `json:"f,omitempty"`
	Off        int                `json:"o,omitempty"`
	End        int                `json:"e,omitempty"`
	Sev        diag.Severity      `json:"s,omitempty"`
	Code       string             `json:"c,omitempty"`
	Message    string             `json:"m,omitempty"`
	Path       string             `json:"p,omitempty"`
	Suggestion string             `json:"g,omitempty"`
	Waived     string             `json:"w,omitempty"`
	InSource   bool               `json:"wi,omitempty"`
	Object     string             `json:"ob,omitempty"`
	Envs       []string           `json:"es,omitempty"`
	Kind       diag.Kind          `json:"k,omitempty"`
	Related    []diag.WireRelated `json:"r,omitempty"`
	ObjPath    string             `json:"op,omitempty"`
}

func toWire(ds diag.List) []wireDiag {
	out := []wireDiag{}
	for _, d := range ds {
		w := wireDiag{Off: d.Pos.Offset, End: d.End.Offset, Sev: d.Severity, Code: d.Code, Message: d.Message, Path: d.Path, Suggestion: d.Suggestion, Waived: d.Waived, InSource: d.WaivedInSource,
			Object: d.Object, Envs: d.Environments, Kind: d.Kind, ObjPath: d.ObjectPath}
		if d.Pos.File != nil {
			w.File = d.Pos.File.Name
		}
		if d.Related != nil {
			w.Related = diag.ToWire(diag.List{d})[0].Related
		}
		out = append(out, w)
	}
	return out
}

// files resolves file names back to files: the inputs already read, or
// the file on disk inside one of the inputs' repositories. (A name comes
// from a cache entry: it must not make kiln read, and print lines of, a
// file anywhere else.)
type files struct {
	read  map[string]*source.File
	roots map[string]bool
}

func newFiles(inputs []input) files {
	fs := files{read: map[string]*source.File{}, roots: map[string]bool{}}
	for _, in := range inputs {
		fs.read[in.file.Name] = in.file
		if in.dockerfile != nil {
			fs.read[in.dockerfile.Name] = in.dockerfile
		}
		fs.roots[in.root] = true
	}
	return fs
}

func (fs files) get(name string) *source.File {
	if f, ok := fs.read[name]; ok {
		return f
	}
	for root := range fs.roots {
		if b, err := repofile.Read(root, name, repofile.MaxBytes); err == nil {
			fs.read[name] = source.NewFile(name, b)
			return fs.read[name]
		}
	}
	return nil
}

func fromWire(ws []wireDiag, fs files) diag.List {
	var out diag.List
	for _, w := range ws {
		d := diag.Diagnostic{Severity: w.Sev, Code: w.Code, Message: w.Message, Path: w.Path, Suggestion: w.Suggestion, Waived: w.Waived, WaivedInSource: w.InSource,
			Object: w.Object, Environments: w.Envs, Kind: w.Kind, ObjectPath: w.ObjPath}
		if w.Related != nil {
			d.Related = diag.Resolve([]diag.Wire{{Pos: -1, End: -1, Related: w.Related}}, fs.get)[0].Related
		}
		if w.File != "" {
			f := fs.get(w.File)
			if f == nil && w.Off == 0 && w.End == 0 {
				// The start of a file that cannot be read (the finding
				// says why): a position that needs none of its text.
				f = source.NewFile(w.File, nil)
			}
			if f != nil && w.Off <= len(f.Content) && w.End <= len(f.Content) {
				d.Pos, d.End = f.Pos(w.Off), f.Pos(w.End)
			}
		}
		out = append(out, d)
	}
	return out
}

func runCheck(env *Env, o *checkOptions, args []string) int {
	began := time.Now()
	if !reportFlagsOK(env, "check", &o.reportOptions) {
		return ExitBadInput
	}
	if o.progress != "auto" && o.progress != "always" && o.progress != "never" {
		fmt.Fprintf(env.Stderr, "kiln check: unknown --progress %q (valid: auto, always, never)\n", o.progress)
		return ExitBadInput
	}
	paths, ok := checkPaths(env, args, &o.policyOptions)
	if !ok {
		return ExitBadInput
	}
	if len(paths) == 0 {
		return nothingChecked(env, "kiln check: none of the files belongs to an app; nothing was checked", o.failIfNone)
	}
	// Reading the apps and parsing the policies overlap: a warm run is
	// mostly these two.
	type walked struct {
		inputs []input
		tests  map[string][]string
		err    error
	}
	walk := make(chan walked, 1)
	go func() {
		inputs, tests, err := checkInputs(paths)
		walk <- walked{inputs, tests, err}
	}()
	g, ds := loadGuardrailsLazily(paths, &o.policyOptions, true)
	if ds != nil {
		return couldNotStart(env, &o.reportOptions, ds)
	}
	resolveFailOn(&o.reportOptions, g)
	o.rules = g.reportRules()
	kubeVersion := strings.TrimPrefix(o.kubeVersion, "v")
	if !slices.Contains(kube.Versions(), kubeVersion) {
		fmt.Fprintf(env.Stderr, "kiln check: --kube-version %s: kiln validates against %s\n", o.kubeVersion, strings.Join(kube.Versions(), ", "))
		return ExitBadInput
	}
	w := <-walk
	setEval(w.inputs, o.evalOptions.limits(env, g.cfg))
	inputs, tests, err := w.inputs, w.tests, w.err
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: %v\n", err)
		return ExitBadInput
	}
	eng := o.cacheOptions.engine(env)
	prepare := preparer(g, kubeVersion)
	shared := sharedKey(g, kubeVersion)
	prog := newProgress(env, o.progress, len(inputs))
	results := make([]checked1, len(inputs))
	var hits atomic.Int64
	forEach(len(inputs), o.jobs, func(i int) {
		r, hit, err := checkApp(eng, shared, inputs[i], tests[filepath.Dir(inputs[i].file.Name)], prepare, g)
		if err != nil {
			r = checked1{File: report.File{Name: inputs[i].file.Name}, BadInput: true,
				Diags: toWire(diag.List{{Pos: inputs[i].file.Pos(0), End: inputs[i].file.Pos(0), Severity: diag.Error, Code: "internal", Message: err.Error(), Kind: diag.Internal}})}
		}
		if hit {
			hits.Add(1)
		}
		results[i] = r
		prog.step()
	})
	prog.done()
	return finishCheck(env, o, g, inputs, results, eng, began)
}

// checkPaths returns what to check: the arguments mapped to apps, or the
// repository holding the working directory. A directory or definition is
// itself; a policy, a data file (beside policies, or named by the
// configuration or --data), the configuration or a committed output
// selects every app of its repository; a test file, a snapshot or a
// Dockerfile selects the app beside it; any other file selects every app
// that imports it (its Jsonnet imports, transitively), and the app beside
// it. A file that maps to no app is said so on stderr; when no argument
// maps to an app, paths is empty and there is nothing to check.
func checkPaths(env *Env, args []string, p *policyOptions) ([]string, bool) {
	if len(args) == 0 {
		root := "."
		if r := repoRootOf("."); r != "" {
			root = display(r)
		}
		return []string{root}, true
	}
	var out, imported, unmapped []string
	for _, a := range args {
		info, err := os.Stat(a)
		switch {
		case err != nil:
			fmt.Fprintf(env.Stderr, "kiln check: %s: no such file or directory\n", a)
			return nil, false
		case info.IsDir(), isDefinitionPath(a):
			out = append(out, a)
		case selectsEveryApp(a, p):
			root := "."
			if r := repoRootOf(a); r != "" {
				root = display(r)
			}
			out = append(out, root)
		default:
			dir, base := filepath.Dir(a), filepath.Base(a)
			if filepath.Base(dir) == "__snapshot__" && strings.HasSuffix(base, ".snap") {
				dir = filepath.Dir(dir)
			}
			def := definitionIn(dir)
			if def != "" {
				out = append(out, def)
			}
			if discover.IsTestFile(base) || base == "Dockerfile" || strings.HasSuffix(base, ".snap") {
				if def == "" {
					unmapped = append(unmapped, a)
				}
				continue
			}
			imported = append(imported, a)
		}
	}
	if len(imported) > 0 {
		// No configuration is read yet: the flags' bounds, else the defaults.
		importers := appsImporting(imported, p.evalOptions.limits(env, nil))
		for _, a := range imported {
			out = append(out, importers[a]...)
			if len(importers[a]) == 0 && definitionIn(filepath.Dir(a)) == "" {
				unmapped = append(unmapped, a)
			}
		}
	}
	for _, a := range unmapped {
		fmt.Fprintf(env.Stderr, "kiln check: %s belongs to no app: it is not a definition, a test, a snapshot or a Dockerfile beside an app, a policy, data or configuration file, nor imported by an app\n", a)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// selectsEveryApp reports whether a change to file a can change every
// app's result: a policy, the configuration, a data file (beside
// policies, named by the configuration or by --data), or a file of the
// committed outputs.
func selectsEveryApp(a string, p *policyOptions) bool {
	if strings.HasSuffix(a, ".rego") || filepath.Base(filepath.Dir(a)) == ".kiln" || isDataFile(a) {
		return true
	}
	abs, err := filepath.Abs(a)
	if err != nil {
		return false
	}
	same := func(name string) bool {
		other, err := filepath.Abs(name)
		return err == nil && other == abs
	}
	for _, d := range p.data {
		if same(d) {
			return true
		}
	}
	var cfg *config.Config
	if p.config != "" {
		cfg, _ = config.Load(p.config, p.config)
	} else if name, ok := config.Find(filepath.Dir(a)); ok {
		cfg, _ = config.Load(name, name)
	}
	if cfg == nil {
		return false
	}
	for _, e := range cfg.Data {
		if same(cfg.Path(e)) {
			return true
		}
	}
	if cfg.Outputs.Value != "" {
		if out, err := filepath.Abs(cfg.Path(cfg.Outputs)); err == nil && strings.HasPrefix(abs, out+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// appsImporting maps each file to the definitions of its repository that
// read it when they load: the Jsonnet apps (the only format that imports
// files), each loaded with its reads recorded. The file's own name is
// the key; the definitions are named as the walk found them.
func appsImporting(files []string, eval evalLimits) map[string][]string {
	out := map[string][]string{}
	byRoot := map[string][]string{}
	for _, f := range files {
		root := "."
		if r := repoRootOf(f); r != "" {
			root = display(r)
		}
		byRoot[root] = append(byRoot[root], f)
	}
	for root, fs := range byRoot {
		inputs, _, err := checkInputs([]string{root})
		if err != nil {
			continue
		}
		inputs = slices.DeleteFunc(inputs, func(in input) bool {
			return in.readErr != nil || load.FormatOf(in.file.Name) != load.Jsonnet
		})
		setEval(inputs, eval)
		read := make([]map[string]bool, len(inputs))
		forEach(len(inputs), 2*runtime.GOMAXPROCS(0), func(i int) {
			var mu sync.Mutex
			seen := map[string]bool{}
			opts := inputs[i].loadOptions()
			opts.ReadFile = func(name string) ([]byte, error) {
				if abs, err := filepath.Abs(name); err == nil {
					mu.Lock()
					seen[abs] = true
					mu.Unlock()
				}
				return diskRead(inputs[i].root, name)
			}
			load.Load(inputs[i].file, opts)
			mu.Lock()
			read[i] = maps.Clone(seen)
			mu.Unlock()
		})
		for _, f := range fs {
			abs, err := filepath.Abs(f)
			if err != nil {
				continue
			}
			for i, in := range inputs {
				if read[i][abs] {
					out[f] = append(out[f], in.file.Name)
				}
			}
		}
	}
	return out
}

func finishCheck(env *Env, o *checkOptions, g *guardrails, inputs []input, results []checked1, eng *engine.Engine, began time.Time) int {
	fs := newFiles(inputs)
	var outcomes []outcome
	var tests []report.TestCase
	artifacts := 0
	for _, r := range results {
		oc := outcome{diags: fromWire(r.Diags, fs), file: r.File, badInput: r.BadInput, waived: fromWire(r.Waived, fs), documents: r.Documents}
		outcomes = append(outcomes, oc)
		if r.Considered != "" {
			g.waivers.Consider(r.Considered, r.File.Name)
		}
		for _, i := range r.Waivers {
			g.waivers.MarkUsed(i)
		}
		for _, t := range r.Tests {
			tests = append(tests, report.TestCase{File: t.File, Name: t.Name, Status: t.Status, Failures: fromWire(t.Failures, fs)})
		}
		artifacts += r.Artifacts
	}
	c := collect(outcomes, g)
	all := withWaived(c.all, c.tally.waived, o.showWaived)
	for _, t := range tests {
		if t.Status == "failed" {
			all = append(all, t.Failures...)
		}
	}
	o.waived, o.incomplete = orNone(c.tally.waived), c.badInput
	if err := writeReport(env, &o.reportOptions, c.files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: writing the report: %v\n", err)
		return ExitBadInput
	}
	passed, failed := countTests(tests)
	hits, misses := eng.Stats()
	fmt.Fprintf(env.Stderr, "kiln check: %s, %s: %s, %s, %s; tests %d passed, %d failed; cache %d hits, %d misses; %s\n",
		plural(len(inputs), "app"), plural(artifacts, "artifact"), plural(all.Count(diag.Error), "error"), plural(all.Count(diag.Warning), "warning"),
		plural(all.Count(diag.Info), "note"), passed, failed, hits, misses, time.Since(began).Round(time.Millisecond))
	fmt.Fprintln(env.Stderr, c.tally.line(g.bundle))
	if c := eng.Cache(); c != nil {
		c.Trim(false)
	}
	failOn := failOnLevel(o.failOn)
	code := exitCode(c.badInput, all, failOn)
	if failed > 0 && code == ExitClean {
		code = ExitFindings
	}
	return code
}

// sharedKey hashes what every app's check reads besides its own files:
// the repository's policies, data and configuration, and the Kubernetes
// version. Every policy file of the bundle is hashed, kiln's built-in
// ones too (a few tens of kilobytes): selecting the repository's files by
// their directory's name would depend on how the directory was spelled
// ("pol/", ".", "../pol").
func sharedKey(g *guardrails, kubeVersion string) []byte {
	h := cache.NewHash("shared", nil)
	h.AddString("kube", kubeVersion)
	h.AddString("namespaces", g.namespaces)
	if g.cfg.File != nil {
		h.Add("config "+g.cfg.File.Name, g.cfg.File.Content)
	}
	for _, name := range g.bundle.Files() {
		h.Add("policy "+name, g.bundle.File(name).Content)
	}
	for _, name := range g.dataFiles {
		b, _ := repofile.Read("", name, repofile.MaxBytes) // confined when loaded
		h.Add("data "+name, b)
	}
	id := h.Sum()
	return id[:]
}

// prepared is what computing a check needs beyond the app.
type prepared struct {
	schema *schema.Schema
	opts   build.Options
}

// preparer returns, computed once on first use, what checking an app needs
// beyond the app: the schema, the Kubernetes validator and the build
// options of g. They are loaded when an app is not in the cache, so that a
// warm run pays for neither.
func preparer(g *guardrails, kubeVersion string) func() (prepared, error) {
	return sync.OnceValues(func() (prepared, error) {
		s, err := schema.Load()
		if err != nil {
			return prepared{}, err
		}
		validator, err := validate.For(kubeVersion)
		if err != nil {
			return prepared{}, err
		}
		// Every artifact is built only when committed outputs are
		// compared with it; otherwise the objects are what is checked.
		opts := build.Options{Validator: validator}
		if g.cfg.Outputs.Value != "" {
			opts.Emit = build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, Helm: true}
		}
		g.apply(&opts)
		return prepared{schema: s, opts: opts}, nil
	})
}

// checkApp checks one app through the cache.
//
// checkApp and computeCheck read every file besides the definition and
// its Dockerfile (which come read, in the input) through in.read: the
// test files, the imports (also when asking whether a stored result's
// recorded imports changed), the committed outputs, and the snapshots in
// the key. A caller that layers unsaved editor buffers over the disk sets
// in.readFile; the key then hashes what the caller's reader returns.
// Still read from the disk: the list of committed output files (a walk),
// and the snapshots when a test compares with them (compiler/apptest
// opens them itself), so a snapshot held only in a buffer is hashed but
// not what the test compares with.
func checkApp(eng *engine.Engine, shared []byte, in input, tests []string, prepare func() (prepared, error), g *guardrails) (checked1, bool, error) {
	k := appKey(eng, "check", 1, shared, in)
	for _, t := range tests {
		b, err := in.read(t)
		k.AddString("test "+t, depSum(b, err))
		if bytes.Contains(b, []byte("matchSnapshot")) { // only then is the snapshot read
			snap, err := in.read(filepath.Join(filepath.Dir(t), "__snapshot__", filepath.Base(t)+".snap"))
			k.AddString("snapshot "+t, depSum(snap, err))
		}
	}
	committed := committedOutputs(g, in)
	for _, name := range committed.names {
		k.AddString("committed "+name, depSum(committed.files[name], committed.errs[name]))
	}
	for _, name := range committed.leftovers {
		k.AddString("leftover", name)
	}
	addDay(k, in, g)
	run := func() ([]byte, error) {
		p, err := prepare()
		if err != nil {
			return nil, err
		}
		opts := p.opts
		opts.Context = in.ctx
		r, cut := computeCheck(in, p.schema, opts, g, tests, committed)
		if in.ctx != nil && in.ctx.Err() != nil {
			return nil, in.ctx.Err() // abandoned: an error is never stored
		}
		return resultOf(r, cut || committed.cut)
	}
	return cachedApp(eng, k, run, func(r *checked1) bool { return depsHold(in, r.Deps) })
}

// appKey starts the key of one app's computation by stage: kiln's
// identity (eng.Key), shared (what every app of the run reads besides its
// own files), and the app's own inputs that come read: the definition's
// name and bytes, or why it could not be read, the repository root its
// imports may not leave (a .git created or removed moves it), and the
// Dockerfile beside it, or why it could not be read.
func appKey(eng *engine.Engine, stage string, version int, shared []byte, in input) *cache.Hash {
	k := eng.Key(stage, version)
	k.Add("shared", shared)
	k.Add("app "+in.file.Name, in.file.Content)
	k.AddString("root", rootKey(in))
	if in.readErr != nil {
		k.AddString("read error", in.readErr.Error())
	}
	if in.dockerfile != nil {
		k.Add("dockerfile "+in.dockerfile.Name, in.dockerfile.Content)
	}
	for _, d := range in.dockerErr { // a Dockerfile there but refused is no missing one
		k.AddString("dockerfile error", d.Message)
	}
	return k
}

// rootKey is in's repository root as a key hashes it: absolute, since the
// refusal of an import names it so.
func rootKey(in input) string {
	if abs, err := filepath.Abs(in.root); err == nil {
		return abs
	}
	return in.root
}

// addDay adds the day to k when waivers may be in play, the app's or the
// repository's (g is nil when no guardrails run): they expire by the day.
// A CUE or Jsonnet definition may import or compute its waivers, so it
// counts as having some.
func addDay(k *cache.Hash, in input, g *guardrails) {
	computed := load.FormatOf(in.file.Name) == load.CUE || load.FormatOf(in.file.Name) == load.Jsonnet
	if computed || bytes.Contains(in.file.Content, []byte("waivers")) || (g != nil && len(g.cfg.Waivers) > 0) {
		k.AddString("day", time.Now().UTC().Format(time.DateOnly))
	}
}

// resultOf is what a computation hands the engine: r encoded, and kept
// only when nothing cut it short (cut: a load timed out), since such a
// result tells of this run, not of the inputs its key hashes.
func resultOf(r any, cut bool) ([]byte, error) {
	b, err := json.Marshal(r)
	if err == nil && cut {
		return nil, engine.Transient(b)
	}
	return b, err
}

// cachedApp returns run's result for k through eng, decoded: stored
// results are decoded once, and one holds only while holds says so (the
// files its load read unchanged: see depsHold). hit reports whether run
// was spared.
func cachedApp[T any](eng *engine.Engine, k *cache.Hash, run func() ([]byte, error), holds func(*T) bool) (r T, hit bool, err error) {
	var stored T
	valid := func(b []byte) bool {
		return json.Unmarshal(b, &stored) == nil && holds(&stored)
	}
	b, hit, err := eng.Do(k.Sum(), run, valid)
	if err != nil {
		return r, false, err
	}
	if hit {
		return stored, true, nil
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, err
	}
	return r, false, nil
}

// recordReads makes in read every other file through a recorder, and
// returns what the reads recorded so far: each file's depSum. Every file
// the load reads is a dependency, also when the load fails: an error
// caused by a broken or missing import must not outlive the import's
// repair.
func recordReads(in *input) (deps func() map[string]string) {
	recorded := map[string]string{}
	var mu sync.Mutex // an abandoned Jsonnet evaluation may still read
	read := in.read
	in.readFile = func(name string) ([]byte, error) {
		b, err := read(name)
		mu.Lock()
		defer mu.Unlock()
		recorded[name] = depSum(b, err)
		return b, err
	}
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(recorded)
	}
}

// depsHold reports whether every file a stored result recorded (see
// recordReads) still reads, through in.read, as it did.
func depsHold(in input, deps map[string]string) bool {
	for name, sum := range deps {
		if depSum(in.read(name)) != sum {
			return false
		}
	}
	return true
}

// computeCheck runs every stage on one app; cut reports that its load
// was cut short (a Jsonnet time-out), which no cache may keep.
func computeCheck(in input, s *schema.Schema, opts build.Options, g *guardrails, tests []string, committed committedTree) (r checked1, cut bool) {
	opts.Dockerfile = in.dockerfile
	read := in.read // the tests' reads are keyed, not recorded
	deps := recordReads(&in)
	c := checkOne(in, s)
	r = checked1{File: c.file, Deps: deps()}
	if c.app == nil {
		r.Diags, r.BadInput = toWire(c.diags), true
		return r, load.Interrupted(c.diags)
	}
	res, ds := build.Build(c.doc, c.app, opts)
	all := append(c.diags, ds...)
	r.BadInput = slices.ContainsFunc(ds, build.IsBadInput) || res == nil
	if res != nil {
		r.Waived, r.Documents, r.Waivers = toWire(res.Waived), res.Documents, res.RepoWaivers
		r.Considered = c.app.Metadata.Name
		r.File.Guarded = true
		r.Artifacts = artifactCount(res)
		if committed.dir != "" {
			if out, err := emit.Files(res); err == nil {
				all = append(all, drift(committed, out)...)
			}
			r.BadInput = r.BadInput || len(committed.errs) > 0 // drift it could not check
		}
	}
	r.File.Valid = !all.HasErrors()
	r.Diags = toWire(all.Sort())
	for _, t := range tests {
		if in.ctx != nil && in.ctx.Err() != nil {
			break // abandoned; checkApp keeps nothing of it
		}
		tf := testFile{path: t, app: in.file.Name, isCUE: strings.HasSuffix(t, ".cue")}
		if b, err := read(t); err == nil {
			tf.content = b // what the key hashed
		}
		runTestFileOf(&tf, s, opts, apptest.Options{Eval: in.loadOptions()}, &c)
		if tf.diags != nil {
			r.Diags = append(r.Diags, toWire(tf.diags)...)
			r.BadInput = true
			all = append(all, tf.diags...) // a test's guardrails may time out too
		}
		for _, cr := range tf.results {
			status := "passed"
			if !cr.Passed() {
				status = "failed"
			}
			r.Tests = append(r.Tests, wireTest{File: t, Name: cr.Case.Name, Status: status, Failures: toWire(cr.Failures)})
		}
	}
	return r, interrupted(all)
}

// artifactCount counts what the build produced: every object of every
// environment, and the Dockerfile.
func artifactCount(res *build.Result) int {
	n := 0
	for _, e := range res.Envs {
		n += len(e.Objects)
	}
	if res.Dockerfile != nil || res.App.Spec.Build != nil {
		n++
	}
	return n
}

// committedTree is the committed output of one app, when the repository
// commits kiln build's output.
type committedTree struct {
	dir   string // "" when outputs are not committed
	names []string
	files map[string][]byte
	errs  map[string]error // why a committed file could not be read
	cut   bool             // the app's name could not be read in time: dir is unknown
	// leftovers are the trees an interrupted kiln build -o left beside
	// dir (.<app>.new-*), which the next commit would carry.
	leftovers []string
}

func committedOutputs(g *guardrails, in input) committedTree {
	if g.cfg.Outputs.Value == "" {
		return committedTree{}
	}
	name, cut := appName(in)
	if name == "" {
		return committedTree{cut: cut}
	}
	t := committedTree{dir: filepath.Join(g.cfg.Path(g.cfg.Outputs), name), files: map[string][]byte{}}
	filepath.WalkDir(t.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(t.dir, p)
		b, err := in.read(p)
		t.files[filepath.ToSlash(rel)] = b
		if err != nil {
			if t.errs == nil {
				t.errs = map[string]error{}
			}
			t.errs[filepath.ToSlash(rel)] = err
		}
		t.names = append(t.names, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(t.names)
	t.leftovers = g.leftovers()[name]
	return t
}

// appName reads metadata.name without checking the definition; cut
// reports a load cut short, which leaves the name unknown.
func appName(in input) (name string, cut bool) {
	if in.readErr != nil {
		return "", false
	}
	doc, ds := load.Load(in.file, in.loadOptions())
	if n := doc.Lookup([]string{"metadata", "name"}); doc != nil && n != nil {
		s, _ := n.Scalar.(string)
		return s, false
	}
	return "", load.Interrupted(ds)
}

func sha256sum(b []byte) [32]byte { return sha256.Sum256(b) }

// interrupted reports whether ds tells of a run cut short, a fact about
// this run that no cache may keep: a Jsonnet evaluation or the guardrails
// past their time, or abandoned.
func interrupted(ds diag.List) bool {
	return load.Interrupted(ds) || slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return guard.Interrupted(d.Code) })
}

// read reads a file that checking in's app needs: through in.readFile
// when the caller gave one, else from the disk.
func (in input) read(name string) ([]byte, error) {
	if in.readFile != nil {
		return in.readFile(name)
	}
	return diskRead(in.root, name)
}

// diskRead is the default reader: a regular file inside root, of at most
// repofile.MaxBytes, refused whole rather than cut short.
func diskRead(root, name string) ([]byte, error) {
	return repofile.Read(root, name, repofile.MaxBytes)
}

// depSum is what a result records of a file it read: the hash of its
// bytes, or that it could not be read (a missing import is an input too).
func depSum(b []byte, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case err != nil:
		// Why it could not be read is part of the answer: a file refused
		// for its size must not replay a refusal of a link.
		return "unreadable: " + err.Error()
	}
	return fmt.Sprintf("%x", sha256sum(b))
}

// repoRootOf returns the directory holding .git above path, or "".
func repoRootOf(path string) string {
	dir, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isDefinitionPath(p string) bool { return discover.IsDefinition(p) }

// isDataFile reports whether p is a YAML or JSON file in a directory of
// Rego policies, as the policies' data files are; a change to one selects
// every app.
func isDataFile(p string) bool {
	ext := filepath.Ext(p)
	if ext != ".yaml" && ext != ".yml" && ext != ".json" {
		return false
	}
	rego, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.rego"))
	return len(rego) > 0
}

// definitionIn returns the app definition in dir, or "".
func definitionIn(dir string) string {
	for _, n := range discover.Names {
		if p := filepath.Join(dir, n); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// drift compares the committed output with a fresh build: one error per
// file that differs, is missing or should not be there, with a diff.
func drift(t committedTree, fresh map[string][]byte) diag.List {
	if t.dir == "" {
		return nil
	}
	var ds diag.List
	names := map[string]bool{}
	for n := range fresh {
		names[n] = true
	}
	for _, n := range t.names {
		names[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		got, have := t.files[n]
		want, built := fresh[n]
		path := filepath.Join(t.dir, filepath.FromSlash(n))
		f := source.NewFile(display(path), got)
		if err := t.errs[n]; err != nil {
			ds = append(ds, readError(f, "check/read", err))
			continue
		}
		var msg string
		switch {
		case !have:
			msg = fmt.Sprintf("%s is missing: kiln build writes it; run kiln build -o and commit the result", display(path))
		case !built:
			msg = fmt.Sprintf("%s is not kiln's output any more; run kiln build -o and commit the result", display(path))
		case !bytes.Equal(got, want):
			msg = fmt.Sprintf("%s differs from a fresh build; run kiln build -o and commit the result:\n%s", display(path),
				strings.TrimRight(string(diff.Diff("committed", got, "built", want)), "\n"))
		default:
			continue
		}
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "check/drift", Kind: diag.Finding, Message: msg})
	}
	for _, l := range t.leftovers {
		f := source.NewFile(display(l), nil)
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "check/drift", Kind: diag.Finding,
			Message: fmt.Sprintf("%s is what an interrupted kiln build -o left; the next kiln build -o removes it (or delete it), and do not commit it", display(l))})
	}
	return ds
}

// checkInputs finds the app definitions under paths in one walk, reading
// each with the Dockerfile beside it, and notes the test files of each
// directory on the way, so that a warm run touches every directory once.
func checkInputs(paths []string) ([]input, map[string][]string, error) {
	var inputs []input
	tests := map[string][]string{}
	seen := map[string]bool{}
	var roots discover.Roots
	add := func(p, root string, dockerfile bool) {
		if seen[p] {
			return
		}
		seen[p] = true
		data, err := readFile(root, p)
		in := input{file: source.NewFile(p, data), root: root, readErr: err}
		if dockerfile {
			in.dockerfile, in.dockerErr = readDockerfile(root, p)
		}
		inputs = append(inputs, in)
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: no such file or directory", p)
		}
		if !info.IsDir() {
			add(p, roots.RepoRoot(p), fileExists(filepath.Join(filepath.Dir(p), "Dockerfile")))
			tests[filepath.Dir(p)] = testsBeside(filepath.Dir(p))
			continue
		}
		// One pass notes definitions, tests and Dockerfiles; the
		// definitions are read after it, knowing which have a Dockerfile.
		var defs []string
		dockerfiles := map[string]bool{}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if discover.Skip(p, path, d.Name()) {
					return filepath.SkipDir
				}
				return nil
			}
			dir := filepath.Dir(path)
			switch name := d.Name(); {
			case name == "Dockerfile":
				dockerfiles[dir] = true
			case discover.IsTestFile(name):
				tests[dir] = append(tests[dir], path)
			case discover.IsDefinition(name):
				defs = append(defs, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		// Each definition's own root: the directory holding .git above
		// it, or its directory; never the directory above the one given,
		// which would let a check of "." read outside the repository.
		for _, d := range defs {
			add(d, roots.RepoRoot(d), dockerfiles[filepath.Dir(d)])
		}
		found := len(defs)
		if found == 0 {
			return nil, nil, fmt.Errorf("no kiln app definitions under %s (looked for %s)", p, strings.Join(discover.Names, ", "))
		}
	}
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].file.Name < inputs[j].file.Name })
	return inputs, tests, nil
}
