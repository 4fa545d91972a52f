package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/waiver"
)

// policyOptions are the flags of the commands that run guardrails.
type policyOptions struct {
	policies   stringList
	data       stringList
	namespaces stringList
	allNS      bool
	config     string
	showWaived bool
	evalOptions
}

func (p *policyOptions) register(fs *flag.FlagSet) {
	fs.Var(&p.policies, "policy", "also run the Rego policies in DIR: kiln rules or conftest-style package main (repeatable)")
	fs.Var(&p.namespaces, "namespace", "run the conftest rules (deny, warn, violation) of this package of the policies, as conftest's --namespace: a name or a pattern such as k8s.* (repeatable; default main)")
	fs.BoolVar(&p.allNS, "all-namespaces", false, "run the conftest rules of every package of the policies, as conftest's --all-namespaces")
	fs.Var(&p.data, "data", "YAML or JSON data for the policies, mounted at data's root (repeatable)")
	fs.StringVar(&p.config, "config", "", "repository configuration (default: "+config.Name+" in the repository holding the first PATH)")
	fs.BoolVar(&p.showWaived, "show-waived", false, "also show the findings that waivers exempt")
	p.evalOptions.register(fs)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// guardrails is what a run's guardrails are made of: the repository's
// configuration, the compiled policies and the repository's waivers.
type guardrails struct {
	cfg     *config.Config
	bundle  *guard.Bundle
	waivers *waiver.Set
	dirs    []guard.Dir // the repository's own policy directories
	// dataFiles are the policies' data files, as read.
	dataFiles []string
	// namespaces says which conftest namespaces run, for cache keys.
	namespaces string
	// leftovers lists, once a run, what interrupted builds left in the
	// committed outputs directory, by app name (see committedOutputs).
	leftovers func() map[string][]string
}

// reportRules describes the rules for reports. Built-in rules link to
// their entry in the rules reference.
func (g *guardrails) reportRules() []report.Rule {
	var out []report.Rule
	for _, r := range g.bundle.Rules() {
		rr := report.Rule{ID: r.ID, Title: r.Title, Description: r.Description, Remediation: r.Remediation, Severity: r.Severity}
		if r.Builtin {
			rr.HelpURI = guard.RulesDoc + "#" + r.ID
		}
		out = append(out, rr)
	}
	return out
}

// apply sets the build options that run these guardrails.
func (g *guardrails) apply(opts *build.Options) {
	opts.Policy = g.bundle
	opts.Waivers = g.waivers
	opts.Production = g.cfg.Production
}

// loadGuardrails reads the repository configuration governing args and
// compiles the built-in rules with the repository's and --policy's own.
// Errors are positioned in the configuration, data or policy files.
func loadGuardrails(args []string, p *policyOptions) (*guardrails, diag.List) {
	return loadGuardrailsLazily(args, p, false)
}

// loadGuardrailsLazily is loadGuardrails that may defer compiling the
// policies until an app needs them evaluated (see guard.Options.Lazy).
func loadGuardrailsLazily(args []string, p *policyOptions, lazy bool) (*guardrails, diag.List) {
	cfg, ds := loadConfig(args, p.config)
	if ds != nil {
		return nil, ds
	}
	// The time bound is no cache input: a result cut short by it is never
	// stored (guard.Interrupted).
	opts := guard.Options{Disabled: map[string]bool{}, Severity: cfg.Severity, SeverityAt: cfg.SeverityOrigins(), Lazy: lazy, Namespaces: p.namespaces, AllNamespaces: p.allNS,
		Timeout: cmp.Or(p.policyTimeout, cfg.PolicyTimeout), Memory: cmp.Or(p.policyMemory, cfg.PolicyMemory)}
	for _, e := range cfg.Namespaces {
		opts.Namespaces = append(opts.Namespaces, e.Value)
	}
	for _, e := range cfg.Disable {
		opts.Disabled[e.Value] = true
	}
	dirs := cfg.Paths("policies", cfg.Policies)
	for _, d := range p.policies {
		dirs = append(dirs, config.Named{Path: d, Flag: "--policy"})
	}
	for _, dir := range dirs {
		if info, err := os.Stat(dir.Path); err != nil || !info.IsDir() {
			why := "no such directory"
			if err == nil {
				why = "a file, not a directory"
			} else if !os.IsNotExist(err) {
				why = err.Error()
			}
			return nil, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %s", display(dir.Path), why))}
		}
		if _, err := repofile.Resolve(dir.Root, dir.Path); err != nil {
			return nil, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %v", display(dir.Path), err))}
		}
		// Its files stay inside the repository, or inside the directory
		// a flag named.
		root := dir.Root
		if root == "" {
			root = dir.Path
		}
		opts.Dirs = append(opts.Dirs, guard.Dir{Name: filepath.ToSlash(display(dir.Path)), FS: repofile.FS{Root: root, Dir: dir.Path}})
	}
	dataFiles := cfg.Paths("data", cfg.Data)
	for _, d := range p.data {
		dataFiles = append(dataFiles, config.Named{Path: d, Flag: "--data"})
	}
	data, ds := loadData(dataFiles)
	if ds != nil {
		return nil, ds
	}
	var files []string
	for _, f := range dataFiles {
		files = append(files, f.Path)
	}
	// The repository's conventions are kiln's own data: data files may not
	// set data.kiln, so nothing else writes there.
	if cfg.Conventions != nil {
		data["kiln"] = map[string]any{"conventions": cfg.Conventions}
	}
	opts.Data = data
	b, ds := guard.Load(context.Background(), opts)
	if ds != nil {
		return nil, ds
	}
	if ds := cfg.CheckRules(b.Known); ds != nil {
		return nil, ds
	}
	waivers := waiver.NewSet(time.Now(), cfg.Waivers)
	waivers.Root = cfg.Root
	ns := strings.Join(opts.Namespaces, "\x00")
	if p.allNS {
		ns = "*all"
	}
	g := &guardrails{cfg: cfg, bundle: b, waivers: waivers, dirs: opts.Dirs, dataFiles: files, namespaces: ns}
	g.leftovers = sync.OnceValue(func() map[string][]string { return buildLeftovers(cfg) })
	return g, nil
}

// loadConfig reads --config, or the configuration of the repository that
// holds the first path; without one, the default configuration.
func loadConfig(args []string, explicit string) (*config.Config, diag.List) {
	if explicit != "" {
		return config.Load(explicit, explicit)
	}
	dir := "."
	for _, a := range args {
		if a != "-" {
			dir = a
			if info, err := os.Stat(a); err == nil && !info.IsDir() {
				dir = filepath.Dir(a)
			}
			break
		}
	}
	name, ok := config.Find(dir)
	if !ok {
		return &config.Config{Root: "."}, nil
	}
	return config.Load(name, display(name))
}

// display names a file relative to the working directory when it is below
// it, as users wrote their paths.
func display(name string) string {
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}

// loadData reads the policies' data files and merges them at the root of
// data, as conftest does; two files setting the same top-level key is an
// error, as is a file trying to set kiln (kiln's own namespace).
func loadData(files []config.Named) (map[string]any, diag.List) {
	out := map[string]any{}
	from := map[string]string{}
	for _, named := range files {
		name := named.Path
		b, err := repofile.Read(named.Root, name, repofile.MaxBytes)
		f := source.NewFile(display(name), b)
		if err != nil {
			why := err.Error()
			if os.IsNotExist(err) {
				why = "no such file"
			}
			return nil, diag.List{named.Diagnostic("policy/data", fmt.Sprintf("data file %s: cannot read it: %s", f.Name, why))}
		}
		doc, ds := load.Load(f, load.Options{})
		if doc == nil {
			return nil, ds
		}
		if doc.Root.Kind != load.Map {
			return nil, diag.List{{Pos: doc.Root.Pos, End: doc.Root.End, Severity: diag.Error, Code: "policy/data", Kind: diag.Input, Message: "a data file holds a map; its keys become data.KEY"}}
		}
		for _, fl := range doc.Root.Fields {
			if prev, dup := from[fl.Name]; dup || fl.Name == "kiln" {
				msg := "data.kiln is kiln's own; choose another key"
				if dup {
					msg = fmt.Sprintf("data.%s is already set by %s", fl.Name, prev)
				}
				return nil, diag.List{{Pos: fl.KeyPos, End: fl.KeyEnd, Severity: diag.Error, Code: "policy/data", Kind: diag.Input, Message: msg}}
			}
			out[fl.Name], from[fl.Name] = fl.Value.Value(), f.Name
		}
	}
	return out, nil
}

// resolveFailOn gives --fail-on its default: the repository's failOn, else
// error.
func resolveFailOn(r *reportOptions, g *guardrails) {
	switch {
	case r.failOn != "":
	case g != nil && g.cfg.FailOn != "":
		r.failOn = g.cfg.FailOn
	default:
		r.failOn = "error"
	}
}

// couldNotStart reports what kept a run from starting (a broken
// configuration, a policy that does not compile) and returns exit 2.
func couldNotStart(env *Env, r *reportOptions, ds diag.List) int {
	var files []report.File
	seen := map[string]bool{}
	for _, d := range ds {
		if d.Pos.File != nil && !seen[d.Pos.File.Name] {
			seen[d.Pos.File.Name] = true
			files = append(files, report.File{Name: d.Pos.File.Name})
		}
	}
	r.incomplete = true
	if err := writeReport(env, r, files, ds); err != nil {
		fmt.Fprintf(env.Stderr, "kiln: writing the report: %v\n", err)
	}
	fmt.Fprintf(env.Stderr, "kiln: could not load the guardrails: %s\n", plural(len(ds), "error"))
	return ExitBadInput
}

// noRules is the finding of a run whose guardrails were all disabled: a
// run that checked nothing must not pass.
func noRules(cfg *config.Config) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Code: "policy/no-rules", Kind: diag.Input,
		Message: "no guardrail is enabled (every rule is disabled), so nothing was checked; enable a rule or pass --no-policy"}
	// At the disable list that turned them all off, so that every report
	// format has a place to show it.
	if len(cfg.Disable) > 0 {
		d.Pos, d.End = cfg.Disable[0].Pos, cfg.Disable[0].End
	} else if cfg.File != nil {
		d.Pos, d.End = cfg.File.Pos(0), cfg.File.Pos(0)
	}
	return d
}

// withWaived adds the waived findings to the report when asked to show
// them; they never fail a run.
func withWaived(all, waived diag.List, show bool) diag.List {
	if !show {
		return all
	}
	return append(all, waived...).Sort()
}

// orNone is the waived findings of a run for reports: an empty list,
// not nil, when there are none, so that reports know they were gathered.
func orNone(waived diag.List) diag.List {
	if waived == nil {
		return diag.List{}
	}
	return waived
}

// evaluated counts what the guardrails judged in a run.
type evaluated struct {
	apps, files, documents int
	partial, unguarded     int
	waived                 diag.List
}

func (e *evaluated) add(oc outcome) {
	switch {
	case oc.documents == 0:
	case oc.file.Format == "manifest":
		e.files++
	default:
		e.apps++
	}
	e.documents += oc.documents
	e.partial += oc.partial
	e.unguarded += oc.unguarded
	e.waived = append(e.waived, oc.waived...)
}

// line says what the guardrails evaluated, so that a run that checked
// nothing cannot pass unnoticed.
func (e *evaluated) line(b *guard.Bundle) string {
	what := plural(e.apps, "app")
	if e.files > 0 {
		what += ", " + plural(e.files, "manifest file")
	}
	s := fmt.Sprintf("kiln: guardrails evaluated %s, %s, %s", what, plural(e.documents, "document"), plural(len(b.Rules()), "rule"))
	if e.partial > 0 {
		s += fmt.Sprintf("; %s without the fields the schema rejects", plural(e.partial, "document"))
	}
	if e.unguarded > 0 {
		s += fmt.Sprintf("; %s not guarded (a custom resource without its CRD that runs no pods, or one a rule failed on)", plural(e.unguarded, "document"))
	}
	if n := len(e.waived); n > 0 {
		s += fmt.Sprintf("; %d waived", n)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// collected is what a run's outcomes add up to.
type collected struct {
	all      diag.List
	files    []report.File
	badInput bool
	tally    evaluated
}

// collect adds up the outcomes, in input order, and, when guardrails ran,
// what they say about the run as a whole: waivers that expired or waived
// nothing, and a run with every rule disabled.
func collect(outcomes []outcome, g *guardrails) collected {
	var c collected
	for _, oc := range outcomes {
		c.all = append(c.all, oc.diags...)
		c.files = append(c.files, oc.file)
		c.badInput = c.badInput || oc.badInput
		c.tally.add(oc)
	}
	if g != nil {
		c.all = append(c.all, g.waivers.Check(g.bundle.Known, true)...)
		if len(g.bundle.Rules()) == 0 {
			c.all, c.badInput = append(c.all, noRules(g.cfg)), true
		}
	}
	return c
}

// buildLeftovers lists the trees interrupted kiln build -o runs left in
// the committed outputs directory (.<app>.new-*), by app name: one read of
// the directory a run, however many apps it checks.
func buildLeftovers(cfg *config.Config) map[string][]string {
	if cfg.Outputs.Value == "" {
		return nil
	}
	dir := cfg.Path(cfg.Outputs)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), ".")
		if app, _, leftover := strings.Cut(name, ".new-"); ok && leftover {
			out[app] = append(out[app], filepath.Join(dir, e.Name()))
		}
	}
	return out
}
