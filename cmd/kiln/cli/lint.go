package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/compiler/workload"
	"github.com/kilnhq/kiln/schemas/kube"
)

type lintOptions struct {
	reportOptions
	policyOptions
	jobs          int
	kubeVersion   string
	crds          stringList
	context       stringList
	env           string
	stdinFilename string
	manifestsOnly bool
	failIfNone    bool // exit 2 when --manifests-only leaves nothing, for CI
}

func init() {
	commands = append(commands, &command{
		name:  "lint",
		args:  "[flags] PATH...",
		short: "run the guardrails on apps and on plain Kubernetes YAML",
		long: `Lint runs the guardrails on kiln apps (compiling them, writing nothing) and
on plain Kubernetes YAML: manifests, multi-document files, a kubectl List
or typed list (PodList, ...), or standard input (-), such as helm
template's or kustomize build's output.

Each plain document is first validated strictly against the schema of its
kind for --kube-version; a custom resource needs its CRD (--crd FILE|DIR,
or crds in .kiln/config.yaml), read from disk: kiln never reaches the
network. Then the guardrails judge all the documents of a file together,
a document the schema rejects without the fields at fault; the pod rules
judge every kind that runs pods, and those .kiln/config.yaml declares
under workloads.
Every finding is at the line and column of the file it is about.

The plain documents of a run are judged as one inventory: a rule about an
object looks up what it refers to (the NetworkPolicy or PodDisruptionBudget
that selects a Deployment's pods, the Service an Ingress sends to, a
ServiceAccount) in every file the run lints, and in the manifests of
--context, which are read but not linted. Lint together what is applied
together. Each app is judged with the objects of one environment.

A directory is searched for app definitions and for YAML and JSON files
whose documents are Kubernetes objects; Helm charts, kustomize directories,
.kiln and kiln's own build/ output are skipped (lint their rendered output
instead). The last line says what was evaluated; a run that evaluated no
document or no rule is an error, never a pass. The exception is
--manifests-only, for hooks given every YAML file of a commit: when none
is an app or a manifest, lint says so and exits 0; with
--fail-if-no-objects-found, as CI wants, it exits 2.

Exit status: 0 clean, 1 findings at --fail-on (--fail-on none: never), 2
when an input or a policy could not be read.

Examples:

	kiln lint .
	helm template ./chart | kiln lint --env prod -
	kiln lint deploy/ --crd crds/ --format sarif > kiln.sarif`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &lintOptions{}
			o.reportOptions.register(fs)
			o.policyOptions.register(fs)
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many files to lint at once")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			fs.Var(&o.crds, "crd", "a CustomResourceDefinition file, or a directory of them, to validate custom resources with (repeatable)")
			fs.Var(&o.context, "context", "a file or directory of manifests the guardrails may refer to without linting them: a NetworkPolicy, Service or ServiceAccount applied with what is linted (repeatable)")
			fs.StringVar(&o.env, "env", "", "the environment plain YAML is for, which production rules look at")
			fs.StringVar(&o.stdinFilename, "stdin-filename", "stdin.yaml", "name of what - reads; kiln.yaml makes it an app definition")
			fs.BoolVar(&o.manifestsOnly, "manifests-only", false, "pass over named YAML and JSON files that are not Kubernetes objects, as directory walks do (for hooks that pass every YAML file)")
			fs.BoolVar(&o.failIfNone, "fail-if-no-objects-found", false, "exit 2, not 0, when --manifests-only leaves no app or manifest to lint (for CI)")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runLint(env, opts.(*lintOptions), args) },
	})
}

// lintTarget is one input of kiln lint: an app definition or a file of
// plain manifests.
type lintTarget struct {
	app      *input
	manifest *source.File
	readErr  error // the manifest file could not be read: an error at it
}

// skip reports whether t is YAML of another sort than Kubernetes objects
// (a CI workflow, a compose file), which a directory walk or a hook
// passes over. A file that could not be read, or that declares objects
// but does not parse, is never skipped: it is an error at its position.
func (t lintTarget) skip() bool {
	return t.manifest != nil && t.readErr == nil && !lint.LooksLikeManifest(t.manifest)
}

// file is the target's source: the app definition or the manifests.
func (t lintTarget) file() *source.File {
	if t.app != nil {
		return t.app.file
	}
	return t.manifest
}

func runLint(env *Env, o *lintOptions, args []string) int {
	defer lintGC()()
	s, _, ok := start(env, "lint", &o.reportOptions, o.stdinFilename, nil)
	if !ok {
		return ExitBadInput
	}
	g, ds := loadGuardrails(args, &o.policyOptions)
	if ds != nil {
		return couldNotStart(env, &o.reportOptions, ds)
	}
	resolveFailOn(&o.reportOptions, g)
	o.rules = g.reportRules()
	validator, ds := lintValidator(o, g)
	if ds != nil {
		o.incomplete = true
		if err := writeReport(env, &o.reportOptions, nil, ds); err != nil {
			fmt.Fprintf(env.Stderr, "kiln lint: writing the report: %v\n", err)
		}
		fmt.Fprintf(env.Stderr, "kiln lint: could not read the CRDs: %s\n", plural(len(ds), "error"))
		return ExitBadInput
	}
	targets, err := lintTargets(env, o, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln lint: %v\n", err)
		return ExitBadInput
	}
	eval := o.evalOptions.limits(env, g.cfg)
	for _, t := range targets {
		if t.app != nil {
			t.app.eval = eval
		}
	}
	if len(targets) == 0 && o.manifestsOnly {
		// Only with --manifests-only, as a hook given a commit's files:
		// none of them is an app or a manifest, so there is nothing to lint.
		msg := fmt.Sprintf("kiln lint: none of the %d files is an app definition or a Kubernetes manifest; nothing was checked", len(args))
		return nothingChecked(env, msg, o.failIfNone)
	}
	production := g.cfg.Production
	if production == nil {
		production = build.DefaultProduction
	}
	opts := build.Options{Validator: validator}
	g.apply(&opts)
	lopts := lint.Options{Validator: validator, Policy: g.bundle, Waivers: g.waivers, Environment: o.env, Production: slices.Contains(production, o.env),
		CustomResources: g.cfg.CustomResources, Workloads: workload.Merge(g.cfg.Workloads)}
	parsed, inv, err := lintInventory(o, targets, lopts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln lint: %v\n", err)
		return ExitBadInput
	}
	lopts.Inventory = inv
	outcomes := make([]outcome, len(targets))
	forEach(len(targets), o.jobs, func(i int) {
		t := targets[i]
		if t.app != nil {
			opts := opts
			opts.Dockerfile = t.app.dockerfile
			outcomes[i] = buildOne(*t.app, s, opts, "")
			outcomes[i].built = nil
			return
		}
		if t.readErr != nil {
			ds := diag.List{readError(t.manifest, "lint/read", t.readErr)}
			outcomes[i] = outcome{diags: ds, file: report.File{Name: t.manifest.Name, Format: "manifest"}, badInput: true}
			return
		}
		res, ds := parsed[i].Guard(lopts)
		outcomes[i] = outcome{diags: ds, file: report.File{Name: t.manifest.Name, Format: "manifest", Valid: !ds.HasErrors(), Guarded: res.Documents > 0},
			waived: res.Waived, documents: res.Documents, partial: res.Partial, unguarded: res.Unguarded, badInput: slices.ContainsFunc(ds, unreadable)}
	})
	c := collect(outcomes, g)
	all, files, badInput, tally := c.all, c.files, c.badInput, c.tally
	// Documents the schema rejected are not given to the guardrails; their
	// errors fail the run already.
	if tally.documents == 0 && !badInput && !all.HasErrors() {
		d := diag.Diagnostic{Severity: diag.Error, Code: "lint/nothing", Kind: diag.Input, Message: "no document was evaluated, so nothing was checked"}
		// At the first input, so that every report format has a place for it.
		if f := targets[0].file(); f != nil {
			d.Pos, d.End = f.Pos(0), f.Pos(0)
		}
		all, badInput = append(all, d), true
	}
	all = withWaived(all, tally.waived, o.showWaived)
	o.waived, o.incomplete = orNone(tally.waived), badInput
	if err := writeReport(env, &o.reportOptions, files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln lint: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "kiln: %s linted: %s, %s\n", plural(len(targets), "file"), plural(all.Count(diag.Error), "error"), plural(all.Count(diag.Warning), "warning"))
	fmt.Fprintln(env.Stderr, tally.line(g.bundle))
	failOn := failOnLevel(o.failOn)
	return exitCode(badInput, all, failOn)
}

// lintGC lets the heap grow further between collections while a run
// holds every file's documents for its inventory: with Go's default the
// collector traces that live heap over and over, a third of the run's
// time on a thousand files. A soft memory limit keeps the collector
// working as before when memory is short, and GOGC, when set, decides.
// It returns what restores the settings.
func lintGC() func() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	gc := debug.SetGCPercent(400)
	limit := debug.SetMemoryLimit(1 << 30)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}

// lintInventory parses and validates every manifest of the run, and
// returns them with the run's inventory: their documents and those of the
// --context manifests, in the order of the targets then of the context
// files, so that it is the same on every run. A context file that is also
// linted counts once.
func lintInventory(o *lintOptions, targets []lintTarget, opts lint.Options) ([]*lint.Parsed, *guard.Inventory, error) {
	parsed := make([]*lint.Parsed, len(targets))
	forEach(len(targets), o.jobs, func(i int) {
		if f := targets[i].manifest; f != nil && targets[i].readErr == nil {
			parsed[i] = lint.Read(f, opts)
		}
	})
	var objs []map[string]any
	seen := map[string]bool{}
	for i, p := range parsed {
		if p != nil {
			objs = append(objs, p.Objects()...)
			seen[filepath.Clean(targets[i].manifest.Name)] = true
		}
	}
	var files []string
	for _, c := range o.context {
		info, err := os.Stat(c)
		if err != nil {
			return nil, nil, fmt.Errorf("--context %s: %v", c, errors.Unwrap(err))
		}
		if !info.IsDir() {
			files = append(files, c)
			continue
		}
		found, err := discover.Manifests(c)
		if err != nil {
			return nil, nil, fmt.Errorf("--context %s: %v", c, err)
		}
		files = append(files, found...)
	}
	for _, name := range files {
		if seen[filepath.Clean(name)] {
			continue
		}
		seen[filepath.Clean(name)] = true
		t, err := lintFile(name)
		if err == nil && t.readErr != nil {
			err = t.readErr
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--context %s: %v", name, err)
		}
		if t.manifest == nil || !lint.LooksLikeManifest(t.manifest) {
			continue // an app definition or YAML of another sort: nothing to refer to
		}
		// Context is read, not linted: its own mistakes are its
		// owners' to see when they lint it.
		objs = append(objs, lint.Read(t.manifest, opts).Objects()...)
	}
	return parsed, guard.NewInventory(objs, opts.Workloads), nil
}

// unreadable reports whether d means a file could not be linted at all.
func unreadable(d diag.Diagnostic) bool {
	return d.Unchecked()
}

// lintValidator is the Kubernetes version's validator, knowing the CRDs
// of --crd and the configuration. A CRD that cannot be read or is not
// one is a diagnostic: at the configuration's entry naming it, or at the
// line of the CRD file.
func lintValidator(o *lintOptions, g *guardrails) (*validate.Validator, diag.List) {
	v, err := validate.For(strings.TrimPrefix(o.kubeVersion, "v"))
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Code: "lint/flag", Kind: diag.Input, Message: fmt.Sprintf("--kube-version: %v", err)}}
	}
	var paths []config.Named
	for _, p := range o.crds {
		paths = append(paths, config.Named{Path: p, Flag: "--crd"})
	}
	paths = append(paths, g.cfg.Paths("crds", g.cfg.CRDs)...)
	if len(paths) == 0 {
		return v, nil
	}
	crds := map[string][]byte{}
	for _, p := range paths {
		files := []string{p.Path}
		info, err := os.Stat(p.Path)
		switch {
		case err != nil && os.IsNotExist(err):
			return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file or directory %s: no such file or directory", display(p.Path)))}
		case err != nil:
			return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file or directory %s: %v", display(p.Path), err))}
		case info.IsDir():
			if files, err = discover.Manifests(p.Path); err != nil {
				return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD directory %s: %v", display(p.Path), err))}
			}
		}
		root := p.Root
		if root == "" && info.IsDir() {
			root = p.Path // a directory a flag named: its files stay in it
		}
		for _, name := range files {
			b, err := repofile.Read(root, name, repofile.MaxBytes)
			if err != nil {
				return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file %s: cannot read it: %v", display(name), err))}
			}
			ds := crdDocs(source.NewFile(display(name), b), crds)
			if ds != nil {
				return nil, ds
			}
		}
	}
	out, err := v.WithCRDs(crds)
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Code: "lint/crd", Kind: diag.Input, Message: err.Error()}}
	}
	return out, nil
}

// crdDocs adds the CustomResourceDefinitions of f to crds, keyed by file
// and document. A bundle (an operator's install.yaml) holds other objects
// beside its CRDs: those are passed over, but a file with no CRD at all,
// or a document of kind CustomResourceDefinition that is not one, is an
// error at its line in f.
func crdDocs(f *source.File, crds map[string][]byte) diag.List {
	nodes, ds := load.Stream(f, load.Options{Format: load.YAML, MaxBytes: lint.MaxBytes})
	if ds != nil {
		return ds
	}
	var first diag.List
	found := 0
	for i, n := range nodes {
		raw, err := json.Marshal(n.Value())
		if err == nil {
			err = kube.AddCRD(raw, map[string]any{}, map[string]string{})
		}
		if err != nil {
			pos, end := n.Pos, n.End
			crd := false
			if k := n.Field("kind"); k != nil {
				pos, end = k.Value.Pos, k.Value.End
				crd = k.Value.Scalar == "CustomResourceDefinition"
				if crd && strings.HasPrefix(err.Error(), "not a CustomResourceDefinition") {
					err = errors.New("a CustomResourceDefinition needs spec.group and spec.names.kind")
				}
			}
			d := diag.List{{Pos: pos, End: end, Severity: diag.Error, Code: "lint/crd", Kind: diag.Input,
				Message: fmt.Sprintf("document %d of a CRD file: %v", i+1, err)}}
			if crd {
				return d
			}
			if first == nil {
				first = d
			}
			continue
		}
		crds[fmt.Sprintf("%s#%d", f.Name, i+1)] = raw
		found++
	}
	if found == 0 {
		return first
	}
	return nil
}

// lintTargets gathers what to lint: definitions (by name) and manifests.
// Files named on the command line are linted whatever they hold; in a
// directory, YAML that is not Kubernetes objects is passed over.
func lintTargets(env *Env, o *lintOptions, args []string) ([]lintTarget, error) {
	var targets []lintTarget
	if slices.Contains(args, "-") {
		data, err := readBounded(env.Stdin)
		if err != nil {
			return nil, err
		}
		f := source.NewFile(o.stdinFilename, data)
		if discover.IsDefinition(o.stdinFilename) {
			targets = append(targets, lintTarget{app: &input{file: f, root: "."}})
		} else {
			targets = append(targets, lintTarget{manifest: f})
		}
	}
	for _, a := range args {
		if a == "-" {
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: no such file or directory", a)
		}
		if !info.IsDir() {
			t, err := lintFile(a)
			if err != nil {
				return nil, err
			}
			if o.manifestsOnly && t.skip() {
				continue
			}
			targets = append(targets, t)
			continue
		}
		found, err := lintDir(a)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no kiln app definitions or Kubernetes YAML under %s", a)
		}
		targets = append(targets, found...)
	}
	return targets, nil
}

func lintFile(path string) (lintTarget, error) {
	if discover.IsDefinition(path) {
		in, err := appInput(path)
		return lintTarget{app: &in}, err
	}
	// A read error is kept, to be reported at the file: a manifest too
	// large to read is never passed over as if it were not one.
	data, err := repofile.Read(discover.RepoRoot(path), path, lint.MaxBytes)
	return lintTarget{manifest: source.NewFile(path, data), readErr: err}, nil
}

func lintDir(dir string) ([]lintTarget, error) {
	var out []lintTarget
	if defs, err := discover.Find([]string{dir}); err == nil {
		for _, p := range defs {
			in, err := appInput(p)
			if err != nil {
				return nil, err
			}
			out = append(out, lintTarget{app: &in})
		}
	}
	manifests, err := discover.Manifests(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range manifests {
		t, err := lintFile(p)
		if err != nil {
			return nil, err
		}
		if !t.skip() {
			out = append(out, t)
		}
	}
	return out, nil
}

// appInput reads an app definition and the Dockerfile beside it.
func appInput(p string) (input, error) {
	// A read error is kept in the input, to be reported at the file.
	root := discover.RepoRoot(p)
	data, err := readFile(root, p)
	in := input{file: source.NewFile(p, data), root: root, readErr: err}
	in.dockerfile, in.dockerErr = readDockerfile(root, p)
	return in, nil
}
