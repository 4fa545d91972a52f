package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/schemas/kube"
)

type buildOptions struct {
	reportOptions
	out           string
	env           string
	stdout        bool
	stdinFilename string
	explainOrigin string
	kubeVersion   string
	emit          string
	jobs          int
	noPolicy      bool
	keepGoing     bool
	policyOptions
	cacheOptions
}

func init() {
	commands = append(commands, &command{
		name:  "build",
		args:  "[flags] PATH...",
		short: "compile app definitions into Kubernetes manifests",
		long: `Build compiles each app definition into Kubernetes objects for each of its
environments and writes them:

	DIR/<app>/rendered/<env>.yaml      every object, ready for kubectl apply -f
	DIR/<app>/base/                    the app without overrides, as a kustomize base
	DIR/<app>/overlays/<env>/          each environment's differences, as kustomize patches
	DIR/<app>/Dockerfile               from spec.build: multi-stage, USER spec.runAs, EXPOSE spec.port
	DIR/<app>/Dockerfile.dockerignore  what its build context leaves out (docs/dockerfile.md)
	DIR/<app>/catalog-info.yaml        a Backstage catalog entry with the owner and SLA
	DIR/<app>/helm/values.yaml         values for kiln's generic chart (kiln chart DIR writes it),
	DIR/<app>/helm/values-<env>.yaml   and each environment's changes to them

--emit picks among them (k8s, dockerfile, catalog, helm; all by default), and adds
slo: per environment, a PrometheusRule with multi-window, multi-burn-rate
alerts on the SLA's error budgets and a ServiceMonitor that scrapes the app,
for clusters with the Prometheus operator (see docs/slo.md).
Without spec.build, the guardrails check a Dockerfile beside the
definition instead: an EXPOSE that disagrees with spec.port (its ARG and
ENV defaults expanded) is an error at its line, and so is a USER name
beside a pod with runAsNonRoot and no runAsUser, which the kubelet would
refuse to start; a root or missing USER, ADD of a URL and unpinned base
images are warnings.

The guardrails (kiln rules lists them; --no-policy turns them off) run on
every environment, with the repository's own policies, data, disabled
rules, severity overrides and waivers from .kiln/config.yaml (see
docs/policies.md). The last line says what they evaluated.

DIR is -o, or build/ next to each definition. An app without environments
has one, named default. PATH is as for kiln validate.

Nothing is written when any app has an error, and the summary says so. With
--keep-going, every app without an error of its own is written and the ones
with errors are not (their previous trees, if any, stay as they were); apps
whose names clash are not written, and an error in the repository's
configuration, which concerns every app, still stops all writing. Either
way an app's directory is replaced whole, never left half-written, and the
exit status counts every app's findings.

Each app's build is cached (see kiln help cache), keyed by everything it
reads: the definition and the files it imports, the Dockerfile beside it,
the policies, data and configuration, --kube-version, --emit, --env and
kiln itself. An unchanged app is written from the cache, the same files
with the same findings as a fresh build; a line after the summary counts
the cache's hits and misses. --no-cache neither reads nor writes it,
--cache-dir picks another. --stdout and --explain-origin always build
afresh.

With --stdout, build writes nothing and prints the rendered YAML of one
environment of one app (--env picks it when the app has several).

With --explain-origin KIND.FIELD, build prints where the field's value
comes from in the definition, per environment. FIELD is a field path, as
in config tests (docs/paths.md): spec.replicas,
metadata.labels["app.kubernetes.io/name"] (a key that holds dots is
quoted), spec.template.spec.containers[name=web].image. A map or a list is
followed by the fields inside it that came from elsewhere, such as a
patch; replicas an autoscaler owns say so.

Exit status: 0 when built, 1 when a finding is at --fail-on (an object the
Kubernetes API would reject, a guardrail's error), 2 when a definition, a
patch, a policy or the configuration is invalid or unreadable.

Examples:

	kiln build .
	kiln build apps/checkout -o out
	kiln build apps/checkout/kiln.yaml --env prod --stdout | kubectl apply -f -
	kiln build kiln.yaml --explain-origin Deployment.spec.replicas
	kiln build kiln.yaml --explain-origin 'Deployment.metadata.labels["app.kubernetes.io/name"]'`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &buildOptions{}
			fs.StringVar(&o.out, "o", "", "output directory (default: build/ next to each definition)")
			fs.StringVar(&o.env, "env", "", "build only this environment (the app's output directory then holds only it)")
			fs.BoolVar(&o.stdout, "stdout", false, "print one environment's rendered YAML instead of writing files")
			o.reportOptions.register(fs)
			fs.StringVar(&o.stdinFilename, "stdin-filename", "kiln.yaml", "name (and so format) of the definition read from -")
			fs.StringVar(&o.emit, "emit", "k8s,dockerfile,catalog,helm", "outputs to write, comma-separated: k8s, dockerfile, catalog, helm, slo")
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many apps to build at once")
			fs.BoolVar(&o.noPolicy, "no-policy", false, "do not run the guardrails")
			fs.BoolVar(&o.keepGoing, "keep-going", false, "write the apps without errors even when others have some")
			o.policyOptions.register(fs)
			o.cacheOptions.register(fs)
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			fs.StringVar(&o.explainOrigin, "explain-origin", "", "print where KIND.FIELD's value comes from, e.g. Deployment.spec.replicas")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runBuild(env, opts.(*buildOptions), args) },
	})
}

// built is one app's build, ready to write.
type built struct {
	in       input
	name     string        // the app's name: its directory under DIR
	pos, end source.Pos    // where metadata.name is, for a clash
	result   *build.Result // nil when the build came from the cache
	files    map[string][]byte
}

func runBuild(env *Env, o *buildOptions, args []string) int {
	validator, err := validate.For(strings.TrimPrefix(o.kubeVersion, "v"))
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: --kube-version: %v\n", err)
		return ExitBadInput
	}
	artifacts, err := parseEmit(o.emit)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: --emit: %v\n", err)
		return ExitBadInput
	}
	s, inputs, ok := start(env, "build", &o.reportOptions, o.stdinFilename, args)
	if !ok {
		return ExitBadInput
	}
	opts := build.Options{Validator: validator, Emit: artifacts}
	var g *guardrails
	if !o.noPolicy {
		var ds diag.List
		if g, ds = loadGuardrails(args, &o.policyOptions); ds != nil {
			return couldNotStart(env, &o.reportOptions, ds)
		}
		g.apply(&opts)
		o.rules = g.reportRules()
	}
	cfg, _ := loadConfig(args, o.config) // with --no-policy too: its bounds hold
	if g != nil {
		cfg = g.cfg
	}
	setEval(inputs, o.evalOptions.limits(env, cfg))
	resolveFailOn(&o.reportOptions, g)
	if (o.stdout || o.explainOrigin != "") && len(inputs) != 1 {
		fmt.Fprintf(env.Stderr, "kiln build: --stdout and --explain-origin take exactly one app; %d found\n", len(inputs))
		return ExitBadInput
	}
	// Apps are built in parallel; each outcome lands at its input's index,
	// so reports and files come out in path order whatever the scheduling.
	// Written to directories, each app's build goes through the cache;
	// --stdout and --explain-origin need the whole build result.
	outcomes := make([]outcome, len(inputs))
	var eng *engine.Engine
	var shared []byte
	if !o.stdout && o.explainOrigin == "" {
		eng = o.cacheOptions.engine(env)
		shared = buildSharedKey(g, strings.TrimPrefix(o.kubeVersion, "v"))
	}
	forEach(len(inputs), o.jobs, func(i int) {
		opts := opts
		opts.Dockerfile = inputs[i].dockerfile
		if eng == nil {
			outcomes[i] = buildOne(inputs[i], s, opts, o.env)
			return
		}
		outcomes[i] = buildApp(eng, shared, inputs[i], s, opts, o.env, g)
	})
	c := collect(outcomes, g)
	all, files, badInput, tally := c.all, c.files, c.badInput, c.tally
	var outs []built
	for _, oc := range outcomes {
		if oc.built != nil {
			outs = append(outs, *oc.built)
		}
	}
	all = withWaived(all, tally.waived, o.showWaived)
	if !o.stdout && o.explainOrigin == "" {
		if clash := clashes(o, outs); len(clash) > 0 {
			all = append(all, clash...)
			badInput = true
		}
	}
	// --stdout and --explain-origin own standard output (a YAML stream
	// for kubectl, the origins); the findings go to standard error.
	reportEnv := env
	if o.stdout || o.explainOrigin != "" {
		e := *env
		e.Stdout = env.Stderr
		reportEnv = &e
	}
	o.waived, o.incomplete = orNone(tally.waived), badInput
	if err := writeReport(reportEnv, &o.reportOptions, files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: writing the report: %v\n", err)
		return ExitBadInput
	}
	failOn := failOnLevel(o.failOn)
	code := exitCode(badInput, all, failOn)
	note := ""
	switch {
	case code != ExitBadInput && !all.HasErrors():
		// Warnings at --fail-on fail the run but are not broken output:
		// write what was built. Errors are, even when --fail-on none
		// keeps them from failing the run.
		if c := deliver(env, o, outs); c != ExitClean {
			code = c
		}
	case !o.stdout && o.explainOrigin == "":
		var c int
		if c, note = deliverSome(env, o, outs, all, inputs); c != ExitClean {
			code = c
		}
	}
	fmt.Fprintln(env.Stderr, report.BuildSummary(len(inputs), all)+note)
	if eng != nil && !o.noCache {
		hits, misses := eng.Stats()
		fmt.Fprintf(env.Stderr, "kiln: cache %d hits, %d misses\n", hits, misses)
	}
	if g != nil {
		fmt.Fprintln(env.Stderr, tally.line(g.bundle))
	}
	if eng != nil {
		if c := eng.Cache(); c != nil {
			c.Trim(false)
		}
	}
	return code
}

// parseEmit reads --emit's comma-separated list of outputs.
func parseEmit(list string) (build.Artifacts, error) {
	var a build.Artifacts
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "k8s":
			a.K8s = true
		case "dockerfile":
			a.Dockerfile = true
		case "catalog":
			a.Catalog = true
		case "slo":
			a.SLO = true
		case "helm":
			a.Helm = true
		case "":
		default:
			return a, fmt.Errorf("unknown output %q (valid: k8s, dockerfile, catalog, helm, slo)", name)
		}
	}
	return a, nil
}

// outcome is what building one input gave.
type outcome struct {
	diags     diag.List
	file      report.File
	built     *built // nil when there is nothing to write
	badInput  bool
	waived    diag.List // findings waivers exempted
	documents int       // documents the guardrails evaluated
	// Of plain manifests: documents judged without the fields the schema
	// rejects, and documents not judged.
	partial, unguarded int
	// Of a build with guardrails: the app's name when they considered
	// its waivers, the app's own waivers and the indexes of the
	// repository's waivers that exempted a finding.
	considered  string
	appWaivers  bool
	repoWaivers []int
}

// buildOne runs every stage on one input. It is safe to call concurrently.
func buildOne(in input, s *schema.Schema, opts build.Options, env string) outcome {
	c := checkOne(in, s)
	out := outcome{diags: c.diags, file: c.file}
	if c.app == nil {
		out.badInput = true
		return out
	}
	res, ds := build.Build(c.doc, c.app, opts)
	out.diags = append(out.diags, ds...)
	if opts.Policy != nil {
		out.considered, out.appWaivers = c.app.Metadata.Name, len(c.app.Spec.Waivers) > 0
	}
	if res != nil {
		out.waived, out.documents, out.repoWaivers = res.Waived, res.Documents, res.RepoWaivers
		out.file.Guarded = opts.Policy != nil
	}
	out.badInput = slices.ContainsFunc(ds, build.IsBadInput)
	out.file.Valid = !ds.HasErrors()
	if res == nil {
		out.badInput = true
		return out
	}
	fail := func(code string, err error) outcome {
		out.diags = append(out.diags, diag.Diagnostic{Pos: c.doc.Root.Pos, End: c.doc.Root.Pos, Severity: diag.Error, Code: code, Message: err.Error(), Kind: diag.Input})
		out.badInput = true
		return out
	}
	if err := selectEnv(res, env); err != nil {
		return fail("build/env", err)
	}
	b := built{in: in, name: res.App.Metadata.Name, pos: c.doc.Root.Pos, end: c.doc.Root.Pos, result: res}
	if n := c.doc.Lookup([]string{"metadata", "name"}); n != nil {
		b.pos, b.end = n.Pos, n.End
	}
	var err error
	if b.files, err = emit.Files(res); err != nil {
		return fail("internal", err)
	}
	out.built = &b
	return out
}

// built1 is one app's build, as the cache stores it: the outcome, and
// the files to write.
type built1 struct {
	File       report.File       `json:"file"`
	Diags      []wireDiag        `json:"diags"`
	Waived     []wireDiag        `json:"waived"`
	Documents  int               `json:"documents"`
	BadInput   bool              `json:"badInput"`
	Considered string            `json:"considered,omitempty"` // the app whose waivers the guardrails considered
	Waivers    []int             `json:"waivers"`              // repository waivers it used
	Deps       map[string]string `json:"deps"`                 // imported file → sha256, checked on a hit
	Day        string            `json:"day,omitempty"`        // the day the app's own waivers were judged on
	Built      bool              `json:"built"`                // there is a tree to write:
	Name       string            `json:"name,omitempty"`       // the app's name,
	NameAt     wireDiag          `json:"nameAt"`               // where metadata.name is,
	Files      map[string][]byte `json:"files,omitempty"`      // and the tree
}

// buildSharedKey is sharedKey, or with --no-policy (g nil) a key of the
// Kubernetes version alone.
func buildSharedKey(g *guardrails, kubeVersion string) []byte {
	if g != nil {
		return sharedKey(g, kubeVersion)
	}
	h := cache.NewHash("shared, no policy", nil)
	h.AddString("kube", kubeVersion)
	id := h.Sum()
	return id[:]
}

// buildApp is buildOne through the cache: keyed like checkApp, with
// --emit and --env, and the files the load read recorded and checked on
// a hit. It is safe to call concurrently.
func buildApp(eng *engine.Engine, shared []byte, in input, s *schema.Schema, opts build.Options, env string, g *guardrails) outcome {
	k := appKey(eng, "build", 1, shared, in)
	k.AddString("emit", fmt.Sprintf("%+v", opts.Emit))
	k.AddString("env", env)
	addDay(k, in, g)
	run := func() ([]byte, error) {
		return resultOf(computeBuild(in, s, opts, env))
	}
	today := time.Now().UTC().Format(time.DateOnly)
	r, _, err := cachedApp(eng, k, run, func(r *built1) bool {
		// An app's waivers may come from a file it imports, which the
		// key's day does not see.
		return depsHold(in, r.Deps) && (r.Day == "" || r.Day == today)
	})
	if err != nil {
		return outcome{file: report.File{Name: in.file.Name}, badInput: true,
			diags: diag.List{{Pos: in.file.Pos(0), End: in.file.Pos(0), Severity: diag.Error, Code: "internal", Message: err.Error(), Kind: diag.Internal}}}
	}
	return r.outcome(in, g)
}

// computeBuild runs buildOne, recording the files the load reads; cut
// reports a load cut short (a Jsonnet time-out), which no cache may keep.
func computeBuild(in input, s *schema.Schema, opts build.Options, env string) (r built1, cut bool) {
	deps := recordReads(&in)
	oc := buildOne(in, s, opts, env)
	r = built1{File: oc.file, Diags: toWire(oc.diags), Waived: toWire(oc.waived), Documents: oc.documents, BadInput: oc.badInput,
		Considered: oc.considered, Waivers: oc.repoWaivers, Deps: deps()}
	if oc.appWaivers {
		r.Day = time.Now().UTC().Format(time.DateOnly)
	}
	if b := oc.built; b != nil {
		r.Built, r.Name, r.Files = true, b.name, b.files
		r.NameAt = toWire(diag.List{{Pos: b.pos, End: b.end}})[0]
	}
	return r, interrupted(oc.diags)
}

// outcome turns a stored build back into in's outcome, and tells g's
// waivers what the build did with them.
func (r built1) outcome(in input, g *guardrails) outcome {
	fs := newFiles([]input{in})
	oc := outcome{diags: fromWire(r.Diags, fs), file: r.File, badInput: r.BadInput, waived: fromWire(r.Waived, fs), documents: r.Documents}
	if g != nil {
		if r.Considered != "" {
			g.waivers.Consider(r.Considered, in.file.Name)
		}
		for _, i := range r.Waivers {
			g.waivers.MarkUsed(i)
		}
	}
	if r.Built {
		at := fromWire([]wireDiag{r.NameAt}, fs)[0]
		oc.built = &built{in: in, name: r.Name, pos: at.Pos, end: at.End, files: r.Files}
	}
	return oc
}

// selectEnv narrows res to the environment --env names.
func selectEnv(res *build.Result, name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, e := range res.Envs {
		if e.Name == name {
			res.Envs = []build.Env{e}
			return nil
		}
		names = append(names, e.Name)
	}
	return fmt.Errorf("app %s has no environment %q; it has %s", res.App.Metadata.Name, name, strings.Join(names, ", "))
}

// outDir is where an app's tree goes: DIR/<app>, DIR being -o or build/
// next to the definition.
func outDir(o *buildOptions, b built) string {
	dir := o.out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(b.in.file.Name), "build")
	}
	return filepath.Join(dir, b.name)
}

// clashes reports apps that would write the same directory: two apps
// with one name under one -o. Writing both would keep only the last.
func clashes(o *buildOptions, outs []built) diag.List {
	first := map[string]built{}
	var ds diag.List
	for _, b := range outs {
		dir := outDir(o, b)
		prev, dup := first[dir]
		if !dup {
			first[dir] = b
			continue
		}
		ds = append(ds, diag.Diagnostic{Pos: b.pos, End: b.end, Severity: diag.Error, Code: "build/name-clash", Kind: diag.Input, Path: "metadata.name",
			Message: fmt.Sprintf("app %s is also defined in %s; both would be written to %s", b.name, prev.in.file.Name, dir)})
	}
	return ds
}

// deliver writes the built trees, or prints what --stdout or
// --explain-origin asked for.
func deliver(env *Env, o *buildOptions, outs []built) int {
	if o.explainOrigin != "" {
		return explainOrigin(env, outs[0].result, o.explainOrigin)
	}
	if o.stdout {
		r := outs[0].result
		if len(r.Envs) != 1 {
			var names []string
			for _, e := range r.Envs {
				names = append(names, e.Name)
			}
			fmt.Fprintf(env.Stderr, "kiln build: --stdout prints one environment; pick one with --env (%s)\n", strings.Join(names, ", "))
			return ExitBadInput
		}
		b, err := compile.YAML(r.Envs[0].Objects)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln build: %v\n", err)
			return ExitBadInput
		}
		env.Stdout.Write(b)
		return ExitClean
	}
	code, _ := writeTrees(env, o, outs)
	return code
}

// writeTrees writes each app's tree, and returns how many it wrote. A
// tree that cannot be written stops the others, unless --keep-going.
func writeTrees(env *Env, o *buildOptions, outs []built) (code, written int) {
	code = ExitClean
	for _, b := range outs {
		dir := outDir(o, b)
		if err := emit.WriteTree(dir, b.files); err != nil {
			fmt.Fprintf(env.Stderr, "kiln build: %v\n", err)
			if code = ExitBadInput; !o.keepGoing {
				return code, written
			}
			continue
		}
		written++
		fmt.Fprintf(env.Stderr, "kiln: wrote %s\n", dir)
	}
	return code, written
}

// deliverSome handles a build with errors: without --keep-going it writes
// nothing, with it the apps that have no error of their own. It returns
// the exit status a failed write calls for and what to add to the summary.
func deliverSome(env *Env, o *buildOptions, outs []built, all diag.List, inputs []input) (int, string) {
	ok := withoutErrors(o, outs, all)
	switch {
	case len(ok) == 0 || !o.keepGoing && len(inputs) == 1:
		return ExitClean, "; nothing written"
	case outsideApps(all, inputs):
		return ExitClean, "; nothing written (the configuration has errors)"
	case !o.keepGoing:
		return ExitClean, fmt.Sprintf("; nothing written (--keep-going writes the %s without errors)", count(len(ok), "app"))
	}
	code, written := writeTrees(env, o, ok)
	return code, fmt.Sprintf("; wrote %d of %s, not the %d with errors", written, count(len(inputs), "app"), len(inputs)-written)
}

// withoutErrors returns the built apps with no error in their own files
// (the definition, the Dockerfile beside it) and no name clash.
func withoutErrors(o *buildOptions, outs []built, all diag.List) []built {
	bad := map[string]bool{}
	for _, d := range all {
		if d.Severity == diag.Error && d.Waived == "" && d.Pos.File != nil {
			bad[d.Pos.File.Name] = true
		}
	}
	apps := map[string]int{}
	for _, b := range outs {
		apps[outDir(o, b)]++
	}
	var ok []built
	for _, b := range outs {
		if bad[b.in.file.Name] || b.in.dockerfile != nil && bad[b.in.dockerfile.Name] || apps[outDir(o, b)] > 1 {
			continue
		}
		ok = append(ok, b)
	}
	return ok
}

// outsideApps reports whether an error lies outside every app's own
// files: in the repository's configuration, say.
func outsideApps(all diag.List, inputs []input) bool {
	own := map[string]bool{}
	for _, in := range inputs {
		own[in.file.Name] = true
		if in.dockerfile != nil {
			own[in.dockerfile.Name] = true
		}
	}
	for _, d := range all {
		if d.Severity == diag.Error && d.Waived == "" && (d.Pos.File == nil || !own[d.Pos.File.Name]) {
			return true
		}
	}
	return false
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
