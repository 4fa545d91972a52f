package workspace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/kilnhq/kiln/compiler/apptest"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/team"
	"github.com/kilnhq/kiln/compiler/validate"
)

// checked1 is one app's result, as the cache stores it.
type checked1 struct {
	File      report.File       `json:"file"`
	Diags     []diag.Wire       `json:"diags"`
	Waived    []diag.Wire       `json:"waived"`
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
	// Team is what the team namespaces need of the app (team.Measure),
	// which the run's team pass joins with the other apps'.
	Team *team.App `json:"team,omitempty"`
}

type wireTest struct {
	File     string      `json:"f"`
	Name     string      `json:"n"`
	Status   string      `json:"s"`
	Failures []diag.Wire `json:"x,omitempty"`
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

// prepared is what computing a check needs beyond the app.
type prepared struct {
	schema *schema.Schema
	opts   build.Options
}

// loadPrepared loads what checking an app needs beyond the app: the schema,
// the Kubernetes validator and the build options of the guardrails. It
// runs once, when an app is not in the cache, so that a warm run pays for
// none of it.
func (w *Workspace) loadPrepared() (prepared, error) {
	t, err := w.tools(true)
	if err != nil {
		return prepared{}, err
	}
	// The repository's outputs are built when it names them (their
	// objects are guarded too) or when committed outputs are compared
	// with them; otherwise the objects are what is checked.
	opts := build.Options{Validator: t.validator, KubeVersions: w.kubeVersions()}
	if sel, ok := configuredOutputs(t.g.cfg); ok {
		opts.Emit = sel
	} else if t.g.cfg.Outputs.Value != "" {
		opts.Emit = emit.Default()
	}
	t.g.apply(&opts) // its policies compile in the background (see tools)
	return prepared{schema: t.schema, opts: opts}, nil
}

// recordReads pins in's source for one evaluation (a name reads the same
// bytes every time during it) and returns what it read so far: each
// file's repofile.Sum. Every file the load reads is a dependency, also
// when the load fails: an error caused by a broken or missing import must
// not outlive the import's repair.
func recordReads(in *input) (deps func() map[string]string) {
	p := repofile.Pin(in.source())
	in.src = p
	return p.Reads
}

// depsHold reports whether every file a stored result recorded (see
// recordReads) still reads, through in's source, as it did.
func depsHold(in input, deps map[string]string) bool {
	if in.src != nil || in.sums == nil {
		return repofile.Holds(in.source(), deps)
	}
	for name, sum := range deps {
		if in.sums.sum(in.root, name, sum) != sum {
			return false
		}
	}
	return true
}

// readSums remembers, for one run over the disk, what each file that
// stored results recorded reading reads now (its repofile.Sum): apps
// record the same files (the definitions of the apps they depend on, and
// the many places where one is not), and a run asks about each once. A
// run reads its definitions once too; a file changed while it runs may
// be seen before or after the change either way.
type readSums struct {
	m sync.Map // root + "\x00" + name → *readSum
}

type readSum struct {
	once sync.Once
	sum  string
}

// sum is repofile.Sum of name read from the disk inside root. A name
// recorded "missing" costs one stat while it is still missing: a file
// that does not exist reads as missing whatever root confines, and
// reading it would resolve every directory of its path.
func (s *readSums) sum(root, name, recorded string) string {
	v, _ := s.m.LoadOrStore(root+"\x00"+name, &readSum{})
	r := v.(*readSum)
	r.once.Do(func() {
		if recorded == "missing" {
			if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
				r.sum = "missing"
				return
			}
		}
		r.sum = repofile.Sum(repofile.Disk(root).ReadFile(name))
	})
	return r.sum
}

// computeCheck runs every stage on one app; cut reports that its load
// was cut short (a Jsonnet time-out), which no cache may keep.
func computeCheck(in input, s *schema.Schema, opts build.Options, g *guardrails, tests []string, committed committedTree) (r checked1, cut bool) {
	opts.Dockerfile = in.dockerfile
	opts.Waivers = opts.Waivers.Fork() // what it uses is returned, and reduced by collect
	read := in.read                    // the tests' reads are keyed, not recorded
	deps := recordReads(&in)
	opts = in.buildOptions(opts, s) // its files and the apps it calls are read through the pinned source
	c := checkOne(in, s)
	r = checked1{File: c.file, Deps: deps()}
	if c.app == nil {
		r.Diags, r.BadInput = diag.ToWire(c.diags), true
		return r, load.Interrupted(c.diags)
	}
	res, ds := build.Build(c.doc, c.app, opts)
	all := append(c.diags, ds...)
	r.BadInput = slices.ContainsFunc(ds, build.IsBadInput) || res == nil
	if res != nil {
		r.Waived, r.Documents, r.Waivers = diag.ToWire(res.Waived), res.Documents, res.RepoWaivers
		r.Considered = c.app.Metadata.Name
		r.File.Guarded = true
		r.Artifacts = artifactCount(res)
		if g != nil && teamsConfigured(g.cfg) { // else no run reads it: the index stays small
			tm := team.Measure(c.doc, res)
			r.Team = &tm
		}
		if committed.dir != "" {
			if out, err := emit.Files(res); err == nil {
				all = append(all, drift(committed, out)...)
			}
			r.BadInput = r.BadInput || len(committed.errs) > 0 // drift it could not check
		}
	}
	r.File.Valid = !all.HasErrors()
	r.Diags = diag.ToWire(all.Sort())
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
			r.Diags = append(r.Diags, diag.ToWire(tf.diags)...)
			r.BadInput = true
			all = append(all, tf.diags...) // a test's guardrails may time out too
		}
		for _, cr := range tf.results {
			status := "passed"
			if !cr.Passed() {
				status = "failed"
			}
			r.Tests = append(r.Tests, wireTest{File: t, Name: cr.Case.Name, Status: status, Failures: diag.ToWire(cr.Failures)})
		}
	}
	r.Deps = deps() // with what the build read: the files of spec.files, the apps it depends on
	// A dependency on an app not found is no result to keep: the app may
	// be created where no recorded read would tell.
	return r, interrupted(all) || slices.ContainsFunc(all, build.NamesUnknownApp)
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
	in.source().WalkDir(t.dir, func(p string, d fs.DirEntry, err error) error {
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
// orphans are the directories of the committed outputs that no app of
// the repository writes: an app deleted or renamed, or the team
// namespaces once they are no output. They would still be deployed (an
// ApplicationSet makes an Application of every directory), so they are
// drift. trees are the committed trees of every app; when an app's name
// could not be read, nothing is judged.
func orphans(cfg *config.Config, trees []committedTree, teams bool) diag.List {
	if cfg.Outputs.Value == "" {
		return nil
	}
	dir := cfg.Path(cfg.Outputs)
	ours := map[string]bool{}
	for _, t := range trees {
		if t.dir == "" {
			return nil
		}
		ours[filepath.Base(t.dir)] = true
	}
	if teams {
		ours[TeamDir] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var ds diag.List
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || ours[e.Name()] {
			continue // .<app>.new-* leftovers are each app's drift
		}
		name := repofile.Display(filepath.Join(dir, e.Name()))
		f := source.NewFile(name, nil)
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "check/drift", Kind: diag.Finding,
			Message: fmt.Sprintf("%s is the committed output of no app of the repository (an app deleted or renamed?); the next kiln build -o does not remove it: delete it", name)})
	}
	return ds
}

func appName(in input) (name string, cut bool) {
	if in.readErr != nil {
		return "", false
	}
	doc, ds := load.Load(in.file, in.loadOptions())
	if doc == nil {
		return "", load.Interrupted(ds)
	}
	if n := doc.Lookup([]string{"metadata", "name"}); n != nil {
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
		f := source.NewFile(repofile.Display(path), got)
		if err := t.errs[n]; err != nil {
			ds = append(ds, readError(f, "check/read", err))
			continue
		}
		var msg string
		switch {
		case !have:
			msg = fmt.Sprintf("%s is missing: kiln build writes it; run kiln build -o and commit the result", repofile.Display(path))
		case !built:
			msg = fmt.Sprintf("%s is not kiln's output any more; run kiln build -o and commit the result", repofile.Display(path))
		case !bytes.Equal(got, want):
			msg = fmt.Sprintf("%s differs from a fresh build; run kiln build -o and commit the result:\n%s", repofile.Display(path),
				strings.TrimRight(string(diff.Diff("committed", got, "built", want)), "\n"))
		default:
			continue
		}
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "check/drift", Kind: diag.Finding, Message: msg})
	}
	for _, l := range t.leftovers {
		f := source.NewFile(repofile.Display(l), nil)
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "check/drift", Kind: diag.Finding,
			Message: fmt.Sprintf("%s is what an interrupted kiln build -o left; the next kiln build -o removes it (or delete it), and do not commit it", repofile.Display(l))})
	}
	return ds
}

// checkInputs finds the app definitions under paths in one scan
// (discover.Scan), reading each with the Dockerfile beside it, with the
// test files of each app's directory, so that a warm run touches every
// directory once.
func checkInputs(paths []string) ([]input, map[string][]string, error) {
	inputs, tests, err := scanInputs(paths)
	for i := range inputs {
		inputs[i].read1()
	}
	return inputs, tests, err
}

// scanInputs is checkInputs without the reads: each input is read by
// read1, which Check calls on its workers, so that a thousand reads do
// not wait for one another.
func scanInputs(paths []string) ([]input, map[string][]string, error) {
	repo, err := discover.Scan(repofile.Disk(""), paths...)
	if err != nil {
		return nil, nil, err
	}
	inputs := make([]input, 0, len(repo.Apps))
	tests := map[string][]string{}
	peers := newPeerIndex()
	for _, a := range repo.Apps {
		// Each definition's own root: the directory holding .git above
		// it, or its directory; never the directory above the one given,
		// which would let a check of "." read outside the repository.
		in := input{file: source.NewFile(a.Definition, nil), root: a.Root, peers: peers, unread: true, dockerfileSeen: a.Dockerfile != ""}
		inputs = append(inputs, in)
		dir := filepath.Dir(a.Definition)
		for _, t := range a.Tests {
			tests[dir] = append(tests[dir], t.File)
		}
	}
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].file.Name < inputs[j].file.Name })
	return inputs, tests, nil
}

// read1 reads a scanned input's definition, and the Dockerfile beside it
// when the scan saw one.
func (in *input) read1() {
	if !in.unread {
		return
	}
	data, err := readFile(in.root, in.file.Name)
	in.file, in.readErr, in.unread = source.NewFile(in.file.Name, data), err, false
	if in.dockerfileSeen {
		in.dockerfile, in.dockerErr = readDockerfile(in.root, in.file.Name, true)
	}
}

// CheckOptions say which apps Check checks and how it tells of its
// progress.
type CheckOptions struct {
	// Progress, when set, is told after each app how many of how many
	// are done; calls are serialised.
	Progress func(done, total int)
	// Shard, when set, checks only the apps of that shard (see Shard).
	Shard Shard
}

// CheckResult is what kiln check found.
type CheckResult struct {
	Result
	Apps      int // the apps checked
	Total     int // the apps found under the paths, of every shard
	Artifacts int // every object of every environment, and the Dockerfiles
	// Tests are the config tests' cases; a failed case's failures are
	// its diagnostics, not among Result.Diagnostics.
	Tests []report.TestCase
}

// ExitCode is Result.ExitCode, and ExitFindings when a test failed.
func (r *CheckResult) ExitCode(failOn diag.Severity) int {
	code := r.Result.ExitCode(failOn)
	if _, failed := CountTests(r.Tests); failed > 0 && code == ExitClean {
		code = ExitFindings
	}
	return code
}

// Check runs everything on the apps under paths (definitions or
// directories; see Affected for other files): the schema, the build of
// every environment with strict Kubernetes validation, the guardrails,
// the config tests beside each app, and, when the repository commits
// kiln build's output, its drift. Each app's result is cached under a key
// of everything it read.
func (w *Workspace) Check(ctx context.Context, paths []string, o CheckOptions) (*CheckResult, error) {
	// Reading the apps, loading the policies and reading the index of
	// the last run overlap: a warm run is mostly these.
	type walked struct {
		inputs []input
		tests  map[string][]string
		err    error
	}
	walk := make(chan walked, 1)
	go func() {
		inputs, tests, err := scanInputs(paths)
		walk <- walked{inputs, tests, err}
	}()
	eng := w.opts.Cache
	// When a definition was modified since the index was written, or
	// nothing is indexed for these paths, apps will be computed: the
	// tools that takes (schema, validator, compiled policies) load beside
	// the scan and the index's read, not after them.
	idx := openCheckIndex(eng, paths, o.Shard)
	hinted := make(chan struct{}) // closed when changedSince is done, which close reads
	go func() {
		changed := idx.changedSince()
		close(hinted)
		if changed {
			w.prepare()
		}
	}()
	loaded := make(chan struct{})
	go func() {
		idx.load()
		if idx.empty() {
			go w.prepare()
		}
		close(loaded)
	}()
	g, err := w.stored()
	if err == nil && g == nil {
		err = errNoGuardrails
	}
	wk := <-walk
	<-loaded
	if err != nil {
		return nil, err
	}
	if wk.err != nil {
		return nil, wk.err
	}
	<-hinted
	if idx != nil && idx.hinted && ctx.Err() == nil {
		// An app will be computed: its tools load first, with every core,
		// and the index answers the others beside the policies' compile,
		// which is one core's work, rather than beside the loading.
		w.prepare()
	}
	total := len(wk.inputs)
	inputs := o.Shard.keep(wk.inputs)
	setEval(inputs, w.eval())
	sums := &readSums{}
	for i := range inputs {
		inputs[i].sums = sums
	}
	hits0, misses0 := eng.Stats()
	results := make([]checked1, len(inputs))
	trees := make([]committedTree, len(inputs))
	var mu sync.Mutex
	done := 0
	idx.forEach(inputs, w.opts.Jobs, func(i int) {
		inputs[i].read1() // finishCheck reads inputs[i] once every worker is done
		in := inputs[i]
		in.ctx = ctx
		k := checkInOf(w.sharedKey(), in, wk.tests[filepath.Dir(in.file.Name)], w.prepare, g)
		trees[i] = k.Tree
		r, err := idx.check(eng, k)
		if err != nil {
			r = checked1{File: report.File{Name: in.file.Name}, BadInput: true,
				Diags: diag.ToWire(diag.List{{Pos: in.file.Pos(0), End: in.file.Pos(0), Severity: diag.Error, Code: "internal", Message: err.Error(), Kind: diag.Internal}})}
		}
		results[i] = r
		if o.Progress != nil {
			mu.Lock()
			done++
			o.Progress(done, len(inputs))
			mu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	idx.close()
	whole := o.Shard.N <= 1 // a shard sees part of each team, as a run over part of the repository does
	r, err := finishCheck(g, inputs, results, w.kube, whole && teamsEmitted(g.cfg, paths), whole && teamsJudged(g.cfg, paths))
	if err != nil {
		return nil, err
	}
	if whole && coversRoot(paths, g.cfg.Root) {
		r.Diagnostics = append(r.Diagnostics, orphans(g.cfg, trees, teamsEmitted(g.cfg, paths))...)
	}
	r.Total = total
	hits, misses := eng.Stats()
	r.Hits, r.Misses = hits-hits0+idx.Hits(), misses-misses0
	return r, nil
}

// finishCheck adds up the apps' results.
func finishCheck(g *guardrails, inputs []input, results []checked1, kube string, emitTeams, judgeTeams bool) (*CheckResult, error) {
	fs := newFiles(inputs)
	outcomes := make([]outcome, 0, len(results))
	r := &CheckResult{Apps: len(inputs)}
	for _, c := range results {
		outcomes = append(outcomes, outcome{diags: diag.Resolve(c.Diags, fs.get), file: c.File, badInput: c.BadInput, waived: diag.Resolve(c.Waived, fs.get), documents: c.Documents,
			considered: c.Considered, repoWaivers: c.Waivers, team: c.Team})
		for _, t := range c.Tests {
			r.Tests = append(r.Tests, report.TestCase{File: t.File, Name: t.Name, Status: t.Status, Failures: diag.Resolve(t.Failures, fs.get)})
		}
		r.Artifacts += c.Artifacts
	}
	// The team namespaces: judged across the apps, built and compared
	// with the committed ones when the configuration makes them an output.
	var v *validate.Validator
	if emitTeams {
		var err error
		if v, err = validate.For(kube); err != nil {
			return nil, err
		}
	}
	tr, err := teamPass(g.cfg, g, outcomes, inputs, emitTeams, judgeTeams, emitTeams && g.cfg.Outputs.Value != "", v)
	if err != nil {
		return nil, err
	}
	r.Result = collect(outcomes, g)
	r.Diagnostics = append(r.Diagnostics, tr.diags...)
	r.Diagnostics = append(r.Diagnostics, teamDrift(g.cfg, tr.files)...)
	r.Waived = append(r.Waived, tr.waived...)
	return r, nil
}
