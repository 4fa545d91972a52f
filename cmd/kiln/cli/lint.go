package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/load"
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
	env           string
	stdinFilename string
	manifestsOnly bool
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

A directory is searched for app definitions and for YAML and JSON files
whose documents are Kubernetes objects; Helm charts, kustomize directories,
.kiln and kiln's own build/ output are skipped (lint their rendered output
instead). The last line says what was evaluated; a run that evaluated no
document or no rule is an error, never a pass.

Exit status: 0 clean, 1 findings at --fail-on, 2 when an input or a policy
could not be read.

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
			fs.StringVar(&o.env, "env", "", "the environment plain YAML is for, which production rules look at")
			fs.StringVar(&o.stdinFilename, "stdin-filename", "stdin.yaml", "name of what - reads; kiln.yaml makes it an app definition")
			fs.BoolVar(&o.manifestsOnly, "manifests-only", false, "pass over named YAML and JSON files that are not Kubernetes objects, as directory walks do (for hooks that pass every YAML file)")
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
}

// file is the target's source: the app definition or the manifests.
func (t lintTarget) file() *source.File {
	if t.app != nil {
		return t.app.file
	}
	return t.manifest
}

func runLint(env *Env, o *lintOptions, args []string) int {
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
	if len(targets) == 0 && o.manifestsOnly {
		// Only with --manifests-only, as a hook given a commit's files:
		// none of them is an app or a manifest, so there is nothing to lint.
		fmt.Fprintf(env.Stderr, "kiln lint: none of the %d files is an app definition or a Kubernetes manifest; nothing to lint\n", len(args))
		return ExitClean
	}
	production := g.cfg.Production
	if production == nil {
		production = build.DefaultProduction
	}
	opts := build.Options{Validator: validator}
	g.apply(&opts)
	lopts := lint.Options{Validator: validator, Policy: g.bundle, Waivers: g.waivers, Environment: o.env, Production: slices.Contains(production, o.env),
		Workloads: workload.Merge(g.cfg.Workloads)}
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
		res, ds := lint.File(t.manifest, lopts)
		outcomes[i] = outcome{diags: ds, file: report.File{Name: t.manifest.Name, Format: "manifest", Valid: !ds.HasErrors(), Guarded: res.Documents > 0},
			waived: res.Waived, documents: res.Documents, partial: res.Partial, unguarded: res.Unguarded, badInput: slices.ContainsFunc(ds, unreadable)}
	})
	c := collect(outcomes, g)
	all, files, badInput, tally := c.all, c.files, c.badInput, c.tally
	// Documents the schema rejected are not given to the guardrails; their
	// errors fail the run already.
	if tally.documents == 0 && !badInput && !all.HasErrors() {
		d := diag.Diagnostic{Severity: diag.Error, Code: "lint/nothing", Message: "no document was evaluated, so nothing was checked"}
		// At the first input, so that every report format has a place for it.
		if f := targets[0].file(); f != nil {
			d.Pos, d.End = f.Pos(0), f.Pos(0)
		}
		all, badInput = append(all, d), true
	}
	all = withWaived(all, tally.waived, o.showWaived)
	if err := writeReport(env, &o.reportOptions, files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln lint: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "kiln: %s linted: %s, %s\n", plural(len(targets), "file"), plural(all.Count(diag.Error), "error"), plural(all.Count(diag.Warning), "warning"))
	fmt.Fprintln(env.Stderr, tally.line(g.bundle))
	failOn, _ := diag.ParseSeverity(o.failOn)
	return exitCode(badInput, all, failOn)
}

// unreadable reports whether d means a file could not be linted at all.
func unreadable(d diag.Diagnostic) bool {
	return d.Severity == diag.Error && (strings.HasPrefix(d.Code, "load/") || strings.HasPrefix(d.Code, "lint/") || strings.HasPrefix(d.Code, "policy/"))
}

// lintValidator is the Kubernetes version's validator, knowing the CRDs
// of --crd and the configuration. A CRD that cannot be read or is not
// one is a diagnostic: at the configuration's entry naming it, or at the
// line of the CRD file.
func lintValidator(o *lintOptions, g *guardrails) (*validate.Validator, diag.List) {
	v, err := validate.For(strings.TrimPrefix(o.kubeVersion, "v"))
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Code: "lint/flag", Message: fmt.Sprintf("--kube-version: %v", err)}}
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
		for _, name := range files {
			b, err := os.ReadFile(name)
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
		return nil, diag.List{{Severity: diag.Error, Code: "lint/crd", Message: err.Error()}}
	}
	return out, nil
}

// crdDocs adds the CustomResourceDefinitions of f to crds, keyed by file
// and document. A document that does not parse or is not a CRD is an error
// at its line in f.
func crdDocs(f *source.File, crds map[string][]byte) diag.List {
	nodes, ds := load.Stream(f, load.Options{Format: load.YAML, MaxBytes: lint.MaxBytes})
	if ds != nil {
		return ds
	}
	for i, n := range nodes {
		raw, err := json.Marshal(n.Value())
		if err == nil {
			err = kube.AddCRD(raw, map[string]any{}, map[string]string{})
		}
		if err != nil {
			pos, end := n.Pos, n.End
			if k := n.Field("kind"); k != nil {
				pos, end = k.Value.Pos, k.Value.End
				if k.Value.Scalar == "CustomResourceDefinition" && strings.HasPrefix(err.Error(), "not a CustomResourceDefinition") {
					err = errors.New("a CustomResourceDefinition needs spec.group and spec.names.kind")
				}
			}
			return diag.List{{Pos: pos, End: end, Severity: diag.Error, Code: "lint/crd",
				Message: fmt.Sprintf("document %d of a CRD file: %v", i+1, err)}}
		}
		crds[fmt.Sprintf("%s#%d", f.Name, i+1)] = raw
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
			if o.manifestsOnly && t.manifest != nil && !lint.LooksLikeManifest(t.manifest) {
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
	data, err := os.ReadFile(path)
	if err != nil {
		return lintTarget{}, err
	}
	if len(data) > lint.MaxBytes {
		data = data[:lint.MaxBytes+1]
	}
	return lintTarget{manifest: source.NewFile(path, data)}, nil
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
		if lint.LooksLikeManifest(t.manifest) {
			out = append(out, t)
		}
	}
	return out, nil
}

// appInput reads an app definition and the Dockerfile beside it.
func appInput(p string) (input, error) {
	// A read error is kept in the input, to be reported at the file.
	data, err := readFile(p)
	in := input{file: source.NewFile(p, data), root: discover.RepoRoot(p), readErr: err}
	df := filepath.Join(filepath.Dir(p), "Dockerfile")
	if b, err := readFile(df); err == nil {
		in.dockerfile = source.NewFile(df, b)
	}
	return in, nil
}
