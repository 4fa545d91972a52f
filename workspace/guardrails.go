package workspace

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
//
// lazy defers compiling the policies until an app needs them evaluated
// (see guard.Options.Lazy).
func loadGuardrails(args []string, p Options, lazy bool) (*guardrails, diag.List) {
	cfg, ds := loadConfig(args, p.Config)
	if ds != nil {
		return nil, ds
	}
	// The time bound is no cache input: a result cut short by it is never
	// stored (guard.Interrupted).
	opts := guard.Options{Disabled: map[string]bool{}, Severity: cfg.Severity, SeverityAt: cfg.SeverityOrigins(), Lazy: lazy, Namespaces: slices.Clone(p.Namespaces), AllNamespaces: p.AllNamespaces,
		Timeout: cmp.Or(p.Limits.PolicyTimeout, cfg.PolicyTimeout), Memory: cmp.Or(p.Limits.PolicyMemory, cfg.PolicyMemory)}
	for _, e := range cfg.Namespaces {
		opts.Namespaces = append(opts.Namespaces, e.Value)
	}
	for _, e := range cfg.Disable {
		opts.Disabled[e.Value] = true
	}
	dirs := cfg.Paths("policies", cfg.Policies)
	for _, d := range p.Policies {
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
			return nil, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %s", repofile.Display(dir.Path), why))}
		}
		if _, err := repofile.Resolve(dir.Root, dir.Path); err != nil {
			return nil, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %v", repofile.Display(dir.Path), err))}
		}
		// Its files stay inside the repository, or inside the directory
		// a flag named.
		root := dir.Root
		if root == "" {
			root = dir.Path
		}
		opts.Dirs = append(opts.Dirs, guard.Dir{Name: filepath.ToSlash(repofile.Display(dir.Path)), FS: repofile.FS{Root: root, Dir: dir.Path}})
	}
	dataFiles := cfg.Paths("data", cfg.Data)
	for _, d := range p.Data {
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
	if p.AllNamespaces {
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
	return config.Load(name, repofile.Display(name))
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
		f := source.NewFile(repofile.Display(name), b)
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
