package workspace

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kilnhq/kiln/compiler/apiversions"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/compiler/workload"
	"github.com/kilnhq/kiln/schemas/kube"
)

// lintTarget is one input of kiln lint: an app definition or a file of
// plain manifests.
type lintTarget struct {
	app      *input
	manifest *source.File
	readErr  error       // the manifest file could not be read: an error at it
	parsed   *lintSource // the manifest's documents, parsed once for skip and lintInventory
}

// lintSource parses a manifest on first use, for every copy of its target.
type lintSource struct {
	once sync.Once
	src  *lint.Source
}

// source returns the manifest's documents, parsed.
func (t lintTarget) source() *lint.Source {
	t.parsed.once.Do(func() { t.parsed.src = lint.Parse(t.manifest) })
	return t.parsed.src
}

// skip reports whether t is YAML of another sort than Kubernetes objects
// (a CI workflow, a compose file), which a directory walk or a hook
// passes over. A file that could not be read, or that declares objects
// but does not parse, is never skipped: it is an error at its position.
func (t lintTarget) skip() bool {
	return t.manifest != nil && t.readErr == nil && !t.source().LooksLikeManifest()
}

// file is the target's source: the app definition or the manifests.
func (t lintTarget) file() *source.File {
	if t.app != nil {
		return t.app.file
	}
	return t.manifest
}

// lintInventory parses and validates every manifest of the run, and
// returns them with the run's inventory: their documents and those of the
// --context manifests, in the order of the targets then of the context
// files, so that it is the same on every run. A context file that is also
// linted counts once.
func lintInventory(jobs int, o LintOptions, targets []lintTarget, opts lint.Options) ([]*lint.Parsed, *guard.Inventory, error) {
	parsed := make([]*lint.Parsed, len(targets))
	forEach(len(targets), jobs, func(i int) {
		if t := targets[i]; t.manifest != nil && t.readErr == nil {
			parsed[i] = t.source().Read(opts)
			t.parsed.src = nil // Read keeps what it needs
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
	for _, c := range o.Context {
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
	roots := repoRoots(files)
	for i, name := range files {
		if seen[filepath.Clean(name)] {
			continue
		}
		seen[filepath.Clean(name)] = true
		t := lintFile(name, roots[i])
		if t.readErr != nil {
			return nil, nil, fmt.Errorf("--context %s: %v", name, t.readErr)
		}
		if t.manifest == nil || t.skip() {
			continue // an app definition or YAML of another sort: nothing to refer to
		}
		// Context is read, not linted: its own mistakes are its
		// owners' to see when they lint it.
		objs = append(objs, t.source().Read(opts).Objects()...)
	}
	return parsed, guard.NewInventory(objs, opts.Workloads), nil
}

// lintValidator is the Kubernetes version's validator, knowing the CRDs
// of --crd and the configuration. A CRD that cannot be read or is not
// one is a diagnostic: at the configuration's entry naming it, or at the
// line of the CRD file.
func lintValidator(kubeVersion string, o LintOptions, g *guardrails) (*validate.Validator, diag.List) {
	v, err := validate.For(kubeVersion)
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Code: "lint/flag", Kind: diag.Input, Message: fmt.Sprintf("--kube-version: %v", err)}}
	}
	var paths []config.Named
	for _, p := range o.CRDs {
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
			return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file or directory %s: no such file or directory", repofile.Display(p.Path)))}
		case err != nil:
			return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file or directory %s: %v", repofile.Display(p.Path), err))}
		case info.IsDir():
			if files, err = discover.Manifests(p.Path); err != nil {
				return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD directory %s: %v", repofile.Display(p.Path), err))}
			}
		}
		root := p.Root
		if root == "" && info.IsDir() {
			root = p.Path // a directory a flag named: its files stay in it
		}
		for _, name := range files {
			b, err := repofile.Read(root, name, repofile.MaxBytes)
			if err != nil {
				return nil, diag.List{p.Diagnostic("lint/crd", fmt.Sprintf("CRD file %s: cannot read it: %v", repofile.Display(name), err))}
			}
			ds := crdDocs(source.NewFile(repofile.Display(name), b), crds, v.Version())
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
// error at its line in f. So is a CRD of an API version Kubernetes
// kubeVersion no longer serves (apiextensions.k8s.io/v1beta1), which no
// cluster of that version would install.
func crdDocs(f *source.File, crds map[string][]byte, kubeVersion string) diag.List {
	nodes, ds := load.Stream(f, load.Options{Format: load.YAML, MaxBytes: lint.MaxBytes})
	if ds != nil {
		return ds
	}
	var first diag.List
	found := 0
	for i, n := range nodes {
		if d, removed := removedCRD(n, kubeVersion); removed {
			return diag.List{d}
		}
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

// removedCRD is the error at the apiVersion of a CRD document n of an
// API version kubeVersion no longer serves.
func removedCRD(n *load.Node, kubeVersion string) (diag.Diagnostic, bool) {
	av, k := n.Field("apiVersion"), n.Field("kind")
	if av == nil || k == nil {
		return diag.Diagnostic{}, false
	}
	api, _ := av.Value.Scalar.(string)
	kind, _ := k.Value.Scalar.(string)
	a, ok := apiversions.Lookup(api, kind)
	if !ok || kubeVersion == "" || !a.RemovedIn(kubeVersion) {
		return diag.Diagnostic{}, false
	}
	return diag.Diagnostic{Pos: av.Value.Pos, End: av.Value.End, Severity: diag.Error, Code: "lint/crd", Kind: diag.Input,
		Message: a.Message(kubeVersion) + ": no cluster of Kubernetes " + kubeVersion + " installs this CRD"}, true
}

// lintTargets gathers what to lint: definitions (by name) and manifests.
// Files named on the command line are linted whatever they hold; in a
// directory, YAML that is not Kubernetes objects is passed over.
func lintTargets(jobs int, stdin io.Reader, stdinName string, o LintOptions, args []string) ([]lintTarget, error) {
	var targets []lintTarget
	if slices.Contains(args, "-") {
		data, err := readBounded(stdin)
		if err != nil {
			return nil, err
		}
		f := source.NewFile(stdinName, data)
		if discover.IsDefinition(stdinName) {
			targets = append(targets, lintTarget{app: &input{file: f, root: "."}})
		} else {
			targets = append(targets, lintTarget{manifest: f, parsed: &lintSource{}})
		}
	}
	// Files named one by one (a hook's, or a shell glob's thousands) are
	// read beside one another, as a directory's are; their order stays.
	var files []string
	for _, a := range args {
		if a == "-" {
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: no such file or directory", a)
		}
		if !info.IsDir() {
			files = append(files, a)
			continue
		}
		targets, files = append(targets, lintFiles(jobs, files, o.ManifestsOnly)...), nil
		found, err := lintDir(jobs, a)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no kiln app definitions or Kubernetes YAML under %s", a)
		}
		targets = append(targets, found...)
	}
	return append(targets, lintFiles(jobs, files, o.ManifestsOnly)...), nil
}

// lintFiles reads paths, jobs at a time, into targets in their order;
// with skip, a file that is no app definition nor Kubernetes YAML is
// passed over. What cannot be read is kept in its target.
func lintFiles(jobs int, paths []string, skip bool) []lintTarget {
	roots := repoRoots(paths)
	found := make([]lintTarget, len(paths))
	skipped := make([]bool, len(paths))
	forEach(len(paths), jobs, func(i int) {
		found[i] = lintFile(paths[i], roots[i])
		skipped[i] = skip && found[i].skip() // it parses the file: here, on the workers
	})
	var out []lintTarget
	for i, t := range found {
		if !skipped[i] {
			out = append(out, t)
		}
	}
	return out
}

// repoRoots are the repository roots of paths (discover.RepoRoot),
// asked of one discover.Roots: the files of one directory cost its
// ancestors' stats once, not once each.
func repoRoots(paths []string) []string {
	var r discover.Roots
	roots := make([]string, len(paths))
	for i, p := range paths {
		roots[i] = r.RepoRoot(p)
	}
	return roots
}

// lintFile reads the app definition or manifest at path, in the
// repository at root.
func lintFile(path, root string) lintTarget {
	if discover.IsDefinition(path) {
		in := appInputAt(path, root)
		return lintTarget{app: &in}
	}
	// A read error is kept, to be reported at the file: a manifest too
	// large to read is never passed over as if it were not one.
	data, err := repofile.Read(root, path, lint.MaxBytes)
	return lintTarget{manifest: source.NewFile(path, data), readErr: err, parsed: &lintSource{}}
}

// lintDir gathers the apps and manifests under dir. It reads and parses
// the manifests jobs at a time, to pass over YAML of other sorts; what it
// parsed is what lintInventory validates.
func lintDir(jobs int, dir string) ([]lintTarget, error) {
	// One scan finds both; a directory of manifests alone holds no app.
	repo, err := discover.Scan(repofile.Disk(""), dir)
	if err != nil && !errors.Is(err, discover.ErrNoApps) {
		return nil, err
	}
	var out []lintTarget
	for _, a := range repo.Apps {
		in := appInputAt(a.Definition, a.Root) // the scan found its root
		out = append(out, lintTarget{app: &in})
	}
	return append(out, lintFiles(jobs, repo.Manifests, true)...), nil
}

// LintOptions say what kiln lint judges beside the paths.
type LintOptions struct {
	// Env is the environment plain manifests are judged as (production
	// rules hold when the configuration counts it as production).
	Env string
	// Context are manifests (files or directories) whose objects the
	// rules may refer to, without being linted themselves.
	Context []string
	// CRDs are CustomResourceDefinition files or directories, beside the
	// configuration's, that custom resources are validated with.
	CRDs []string
	// ManifestsOnly passes over named files that are not Kubernetes
	// objects (a hook's files), as a directory walk does.
	ManifestsOnly bool
}

// LintResult is what kiln lint found.
type LintResult struct {
	Result
	// Targets counts the inputs linted: apps and manifest files.
	Targets int
}

// ErrNothingToLint is Lint's answer when, with ManifestsOnly, none of
// the files is an app definition or a Kubernetes manifest.
var ErrNothingToLint = errors.New("none of the files is an app definition or a Kubernetes manifest")

// Lint runs the guardrails on apps (built, nothing written) and on plain
// Kubernetes YAML, each document validated strictly first. Paths are
// files, directories or "-" (Options.Stdin).
func (w *Workspace) Lint(ctx context.Context, paths []string, o LintOptions) (*LintResult, error) {
	// The files are read while the tools load: neither needs the other.
	type gathered struct {
		targets []lintTarget
		err     error
	}
	files := make(chan gathered, 1)
	go func() {
		targets, err := lintTargets(w.opts.Jobs, w.opts.Stdin, w.opts.StdinName, o, paths)
		files <- gathered{targets, err}
	}()
	t, err := w.tools(true)
	if err != nil {
		return nil, err // not waiting for the files (standard input may be a terminal): files is buffered
	}
	s, g := t.schema, t.g
	// Plain YAML is for the clusters of --env: their version when the
	// repository names it, as for an app's environment.
	validator, ds := lintValidator(cmp.Or(g.cfg.KubeVersions[o.Env], w.kube), o, g)
	if ds != nil {
		return nil, &CRDError{Diagnostics: ds}
	}
	read := <-files
	targets, err := read.targets, read.err
	if err != nil {
		return nil, err
	}
	eval := w.eval()
	for _, t := range targets {
		if t.app != nil {
			t.app.eval = eval
			t.app.ctx = ctx
		}
	}
	if len(targets) == 0 && o.ManifestsOnly {
		return nil, ErrNothingToLint
	}
	production := g.cfg.Production
	if production == nil {
		production = build.DefaultProduction
	}
	opts := build.Options{Validator: validator, Context: ctx, KubeVersions: w.kubeVersions()}
	g.apply(&opts)
	lopts := lint.Options{Validator: validator, Policy: g.bundle, Waivers: g.waivers, Environment: o.Env, Production: slices.Contains(production, o.Env),
		CustomResources: g.cfg.CustomResources, Workloads: workload.Merge(g.cfg.Workloads)}
	parsed, inv, err := lintInventory(w.opts.Jobs, o, targets, lopts)
	if err != nil {
		return nil, err
	}
	lopts.Inventory = inv
	outcomes := make([]outcome, len(targets))
	forEach(len(targets), w.opts.Jobs, func(i int) {
		outcomes[i] = lintOne(targets[i], parsed[i], s, opts, lopts)
		parsed[i] = nil // judged: its positions are in its diagnostics now
	})
	r := &LintResult{Result: collect(outcomes, g), Targets: len(targets)}
	// Documents the schema rejected are not given to the guardrails; their
	// errors fail the run already.
	if r.Evaluated.Documents == 0 && !r.Incomplete && !r.Diagnostics.HasErrors() {
		d := diag.Diagnostic{Severity: diag.Error, Code: "lint/nothing", Kind: diag.Input, Message: "no document was evaluated, so nothing was checked"}
		// At the first input, so that every report format has a place for it.
		if f := targets[0].file(); f != nil {
			d.Pos, d.End = f.Pos(0), f.Pos(0)
		}
		r.Diagnostics, r.Incomplete = append(r.Diagnostics, d), true
	}
	return r, nil
}

// lintOne judges one target: an app is built (its objects are what is
// judged), a manifest file's documents are guarded.
func lintOne(t lintTarget, parsed *lint.Parsed, s *schema.Schema, opts build.Options, lopts lint.Options) outcome {
	if t.app != nil {
		opts.Dockerfile = t.app.dockerfile
		oc := buildOne(*t.app, s, opts, "")
		oc.built = nil
		return oc
	}
	if t.readErr != nil {
		ds := diag.List{readError(t.manifest, "lint/read", t.readErr)}
		return outcome{diags: ds, file: report.File{Name: t.manifest.Name, Format: "manifest"}, badInput: true}
	}
	res, ds := parsed.Guard(lopts)
	return outcome{diags: ds, file: report.File{Name: t.manifest.Name, Format: "manifest", Valid: !ds.HasErrors(), Guarded: res.Documents > 0},
		waived: res.Waived, documents: res.Documents, partial: res.Partial, unguarded: res.Unguarded, badInput: slices.ContainsFunc(ds, diag.Diagnostic.Unchecked)}
}

// A CRDError is a CRD that could not be read or is not one: nothing could
// be linted (exit 2). Its diagnostics are positioned at the configuration
// entry or the CRD file's line.
type CRDError struct {
	Diagnostics diag.List
}

func (e *CRDError) Error() string {
	return fmt.Sprintf("could not read the CRDs: %s", report.Plural(len(e.Diagnostics), "error"))
}
