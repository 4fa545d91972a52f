package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/apptest"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// The workspace's cached computations. Each is an engine.Stage whose key
// is every exported field of its input, hashed by engine.HashInput: a
// stage's inputs are named here, once, and a test (stages_test.go) fails
// when a field of one does not change its key. Fields tagged key:"-" are
// what reads the inputs (the app as read, with its reader and bounds; the
// guardrails the shared key stands for), never inputs themselves.
//
// A result that records the files it read (checked1.Deps, built1.Deps)
// holds only while they read the same: Holds asks, through the app's
// reader, so an editor's unsaved buffer counts.

// sharedIn is what every app's computation reads besides its own files:
// the Kubernetes version, the conftest namespaces in force, the
// repository's configuration, every policy file of the bundle (kiln's
// built-in ones too: selecting the repository's by their directory's name
// would depend on how the directory was spelled) and the policies' data.
// A run without guardrails hashes the version alone.
type sharedIn struct {
	KubeVersion string
	// KubeVersions are the configuration's versions by environment,
	// which a run without guardrails (that hashes no configuration)
	// reads too.
	KubeVersions map[string]string
	NoPolicy     bool
	Namespaces   string
	Config       *source.File
	Policies     []byte // guard.SourceHash
	Data         map[string][]byte
}

// sharedKey is the hash of g's sharedIn, which every app's key holds.
func sharedKey(g *guardrails, kubeVersion string, kubeVersions map[string]string) []byte {
	in := sharedIn{KubeVersion: kubeVersion, KubeVersions: kubeVersions, NoPolicy: g == nil}
	if g != nil {
		in.Namespaces, in.Config = g.namespaces, g.cfg.File
		in.Policies, in.Data = g.sources[:], map[string][]byte{}
		for _, name := range g.dataFiles {
			in.Data[name], _ = repofile.Read("", name, repofile.MaxBytes) // confined when loaded
		}
	}
	h := cache.NewHash("shared", nil)
	if err := engine.HashInput(h, in); err != nil {
		panic(err) // sharedIn holds data only; stages_test.go proves it
	}
	id := h.Sum()
	return id[:]
}

// appIn is what every computation of one app reads of the app itself:
// the definition's name and bytes, or why it could not be read; the
// repository root its imports may not leave (a .git created or removed
// moves it); the Dockerfile beside it, or why it could not be read; and
// the day, when waivers may be in play, since they expire by the day.
type appIn struct {
	Shared           []byte
	Definition       *source.File
	Root             string
	ReadError        string
	Dockerfile       *source.File
	DockerfileErrors []string
	Day              string
	// App is the app as read, with its reader, context and bounds.
	App input `key:"-"`
}

func newAppIn(shared []byte, in input, g *guardrails) appIn {
	a := appIn{Shared: shared, Definition: in.file, Root: rootKey(in), Dockerfile: in.dockerfile, App: in}
	if in.readErr != nil {
		a.ReadError = in.readErr.Error()
	}
	for _, d := range in.dockerErr { // a Dockerfile there but refused is no missing one
		a.DockerfileErrors = append(a.DockerfileErrors, d.Message)
	}
	if mayWaive(in, g) {
		a.Day = today()
	}
	return a
}

// rootKey is in's repository root as a key hashes it: relative to the
// working directory, as the definition's name is, so that two checkouts
// of one repository at different paths (two CI runners, a laptop) share
// results through a remote cache. A result that names the absolute root
// (an import refused for leaving it) holds on this machine only, and is
// never stored (machineBound).
func rootKey(in input) string {
	wd, err := workingDir()
	if err != nil {
		if filepath.IsAbs(in.root) {
			return filepath.Clean(in.root)
		}
		return in.root
	}
	abs := filepath.Clean(in.root)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(wd, abs)
	}
	if rel, err := filepath.Rel(wd, abs); err == nil {
		return rel
	}
	return abs
}

// cwd is the working directory, looked up again only when $PWD changes:
// rootKey is asked for every app of a run, and os.Getwd costs two stats a
// call. kiln changes no directory; a test that does (t.Chdir) sets $PWD.
var cwd struct {
	sync.Mutex
	pwd, dir string
}

// workingDir is os.Getwd, remembered (see cwd).
func workingDir() (string, error) {
	pwd := os.Getenv("PWD")
	cwd.Lock()
	defer cwd.Unlock()
	if cwd.dir == "" || cwd.pwd != pwd {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		cwd.pwd, cwd.dir = pwd, wd
	}
	return cwd.dir, nil
}

// shared is what of r another checkout reads as it is: all of it but the
// files it read, which name this machine's paths where a load resolves
// them so (a Jsonnet import, another app's definition), and which a hit
// checks again anyway (Holds), so that another machine's never match.
func (r checked1) shared() checked1 { r.Deps = nil; return r }

func (r built1) shared() built1 { r.Deps = nil; return r }

// machineBound reports whether a result names in's repository root by
// its absolute path, which another checkout of the repository does not
// share: a key that spells the definition and the root relative to the
// working directory must not answer there with this machine's paths. A
// definition named by its absolute path is keyed by it, and its results
// are this machine's whatever they say.
func machineBound(r any, in input) bool {
	if filepath.IsAbs(in.file.Name) || filepath.IsAbs(rootKey(in)) {
		return false // the key names this machine's paths already
	}
	abs, err := filepath.Abs(in.root)
	if err != nil {
		return true
	}
	if abs == string(filepath.Separator) { // every machine's
		return false
	}
	needle, _ := json.Marshal(abs) // as the stored result spells it
	b, err := json.Marshal(r)
	return err != nil || bytes.Contains(b, needle[1:len(needle)-1])
}

// mayWaive reports whether waivers may be in play, the app's or the
// repository's (g is nil when no guardrails run). A CUE or Jsonnet
// definition may import or compute its waivers, so it counts as having
// some.
func mayWaive(in input, g *guardrails) bool {
	computed := load.FormatOf(in.file.Name) == load.CUE || load.FormatOf(in.file.Name) == load.Jsonnet
	return computed || bytes.Contains(in.file.Content, []byte("waivers")) || (g != nil && len(g.cfg.Waivers) > 0)
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// ctxOf is the context an app's computation runs under.
func ctxOf(in input) context.Context {
	if in.ctx != nil {
		return in.ctx
	}
	return context.Background()
}

// checkIn is kiln check's computation of one app: the app, its config
// tests and the snapshots they compare with, and, when the repository
// commits kiln build's output, that output and what interrupted builds
// left beside it.
type checkIn struct {
	App       appIn
	Tests     map[string]string // test file → depSum of its bytes
	Snapshots map[string]string // test file → depSum of its snapshot, for a test that compares with one
	Committed map[string]string // committed output file → depSum
	Leftovers []string

	Guardrails *guardrails              `key:"-"`
	Prepare    func() (prepared, error) `key:"-"`
	Tree       committedTree            `key:"-"`
}

var checkStage = engine.Stage[checkIn, checked1]{
	Name: "check", Version: 5,
	Run: func(ctx context.Context, in checkIn) (checked1, error) {
		p, err := in.Prepare()
		if err != nil {
			return checked1{}, err
		}
		opts := p.opts
		opts.Context = ctx
		app := in.App.App
		app.ctx = ctx
		r, cut := computeCheck(app, p.schema, opts, in.Guardrails, slices.Sorted(maps.Keys(in.Tests)), in.Tree)
		if cut || in.Tree.cut || machineBound(r.shared(), app) {
			return r, engine.ErrTransient
		}
		return r, nil
	},
	Holds: func(in checkIn, r checked1) bool { return depsHold(in.App.App, r.Deps) },
}

// checkApp checks one app through the cache. Every file besides the
// definition and its Dockerfile (which come read, in the input) is read
// through in.read: the test files, the imports (also when asking whether
// a stored result's recorded imports changed), the committed outputs, and
// the snapshots in the key. A caller that layers unsaved editor buffers
// over the disk sets in.src; the key then hashes what the caller's
// reader returns. Still read from the disk: the snapshots when a test
// compares with them (compiler/apptest opens them itself).
func checkApp(eng *engine.Engine, shared []byte, in input, tests []string, prepare func() (prepared, error), g *guardrails) (checked1, bool, error) {
	return checkStage.Do(ctxOf(in), eng, checkInOf(shared, in, tests, prepare, g))
}

// checkInOf is the input of checkStage for one app: what checkApp asks
// the cache.
func checkInOf(shared []byte, in input, tests []string, prepare func() (prepared, error), g *guardrails) checkIn {
	k := checkIn{App: newAppIn(shared, in, g), Tests: map[string]string{}, Snapshots: map[string]string{}, Committed: map[string]string{},
		Guardrails: g, Prepare: prepare}
	for _, t := range tests {
		b, err := in.read(t)
		k.Tests[t] = repofile.Sum(b, err)
		if bytes.Contains(b, []byte("matchSnapshot")) { // only then is the snapshot read
			k.Snapshots[t] = repofile.Sum(in.read(snapshotOf(t)))
		}
	}
	k.Tree = committedOutputs(g, in)
	for _, name := range k.Tree.names {
		k.Committed[name] = repofile.Sum(k.Tree.files[name], k.Tree.errs[name])
	}
	k.Leftovers = k.Tree.leftovers
	return k
}

// snapshotOf is where a test file's snapshot is.
func snapshotOf(test string) string {
	return filepath.Join(filepath.Dir(test), "__snapshot__", filepath.Base(test)+".snap")
}

// buildIn is kiln build's computation of one app: the app, the outputs
// asked for and the environment (all when "").
type buildIn struct {
	App  appIn
	Emit build.Artifacts
	Env  string
	// Alerting is in the shared key's configuration, but for --no-policy,
	// whose key holds no configuration.
	Alerting alerting.Settings

	Schema  *schema.Schema `key:"-"`
	Options build.Options  `key:"-"` // the guardrails the shared key stands for, and Emit
}

var buildStage = engine.Stage[buildIn, built1]{
	Name: "build", Version: 5,
	Run: func(ctx context.Context, in buildIn) (built1, error) {
		app := in.App.App
		app.ctx = ctx
		opts := in.Options
		opts.Context = ctx
		r, cut := computeBuild(app, in.Schema, opts, in.Env)
		if cut || machineBound(r.shared(), app) {
			return r, engine.ErrTransient
		}
		return r, nil
	},
	// An app's waivers may come from a file it imports, which the key's
	// day does not see.
	Holds: func(in buildIn, r built1) bool {
		return depsHold(in.App.App, r.Deps) && (r.Day == "" || r.Day == today())
	},
}

// testFileIn is the language server's run of one test file: the app, as
// its check read it (its recorded reads), and the test file and its
// snapshot as the editor holds them. The day is always in: the cases
// build the app, whose waivers expire.
type testFileIn struct {
	Shared     []byte
	Definition *source.File
	Root       string
	Deps       map[string]string
	Dockerfile *source.File
	Test       *source.File
	Snapshot   string // depSum of the snapshot, for a test that compares with one
	Day        string

	App     input                    `key:"-"`
	Prepare func() (prepared, error) `key:"-"`
}

var testFileStage = engine.Stage[testFileIn, testRun]{
	Name: "editor-test", Version: 4,
	Run: func(ctx context.Context, in testFileIn) (testRun, error) {
		p, err := in.Prepare()
		if err != nil {
			return testRun{}, err
		}
		app := in.App
		app.ctx = ctx
		// The cases build the app as its check does: its files and the
		// apps it depends on read through the editor's buffers, and
		// found where the session found them.
		opts := app.buildOptions(p.opts, p.schema)
		opts.Context = ctx
		ch := checkOne(app, p.schema)
		t := in.Test.Name
		tf := testFile{path: t, app: app.file.Name, isCUE: strings.HasSuffix(t, ".cue"), content: in.Test.Content}
		runTestFileOf(&tf, p.schema, opts, apptest.Options{Eval: app.loadOptions()}, &ch)
		tr := testRun{File: t, Diags: diag.ToWire(tf.diags)}
		for _, cr := range tf.results {
			status := "passed"
			if !cr.Passed() {
				status = "failed"
			}
			tr.Tests = append(tr.Tests, wireTest{File: t, Name: cr.Case.Name, Status: status, Failures: diag.ToWire(cr.Failures)})
		}
		if interrupted(ch.diags) || interrupted(tf.diags) || machineBound(tr, app) {
			return tr, engine.ErrTransient
		}
		return tr, nil
	},
}

// editorBuildIn names the language server's latest builds, which it keeps
// in memory (a build.Result holds compiled objects, not stored data):
// the app, and the shared key. What the load read is compared when a kept
// build is used (builtApp.readsHold).
type editorBuildIn struct {
	Shared     []byte
	Definition *source.File
	Root       string
	Dockerfile *source.File
}

// editorBuild keys the kept builds; its results never reach a store.
var editorBuild = engine.Stage[editorBuildIn, struct{}]{Name: "editor-build", Version: 1}
