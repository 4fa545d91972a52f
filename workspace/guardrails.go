package workspace

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/team"
	"github.com/kilnhq/kiln/compiler/waiver"
)

// guardrails is what a run's guardrails are made of: the repository's
// configuration, the compiled policies and the repository's waivers.
type guardrails struct {
	cfg *config.Config
	// bundle is nil in guardrails made from what the cache kept of a
	// load (storedGuardrails): those never evaluate a policy.
	bundle  *guard.Bundle
	rules   ruleFacts
	sources [32]byte // guard.SourceHash of the policies
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

// ruleFacts are what a run answered from the cache needs of the
// policies: the rules in force, for reports, and which of the ids the
// configuration names (disabled, ranked, waived) and the rules' own name
// a rule.
type ruleFacts struct {
	Rules []guard.Rule
	Known []string
}

func factsOf(b *guard.Bundle, cfg *config.Config) ruleFacts {
	f := ruleFacts{Rules: b.Rules()}
	ids := map[string]bool{}
	for _, r := range f.Rules {
		ids[r.ID] = true
	}
	for _, e := range cfg.Disable {
		ids[e.Value] = true
	}
	for id := range cfg.SeverityAt {
		ids[id] = true
	}
	for _, w := range cfg.Waivers {
		ids[w.Rule] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if knownRule(b)(id) {
			f.Known = append(f.Known, id)
		}
	}
	return f
}

// knownRule reports whether an id names one of b's rules or a team rule,
// which judge the apps together (package team).
func knownRule(b *guard.Bundle) func(string) bool {
	return func(id string) bool { return b.Known(id) || team.Known(id) }
}

// known reports whether id names a rule, for an id of the facts'
// configuration (see factsOf).
func (f ruleFacts) known(id string) bool {
	_, ok := slices.BinarySearch(f.Known, id)
	return ok
}

// reportRules describes the rules for reports. Built-in rules link to
// their entry in the rules reference.
func (g *guardrails) reportRules() []report.Rule {
	var out []report.Rule
	for _, r := range append(slices.Clone(g.rules.Rules), TeamRules(g.cfg)...) {
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
	opts.Alerting = g.cfg.Alerting
}

// guardSetup is what loading the guardrails reads before the policies:
// the configuration, guard.Load's options and the data files.
type guardSetup struct {
	cfg       *config.Config
	opts      guard.Options
	dataFiles []string
	p         Options
}

// loadGuardrails reads the repository configuration governing args and
// compiles the built-in rules with the repository's and --policy's own.
// Errors are positioned in the configuration, data or policy files.
//
// lazy defers compiling the policies until an app needs them evaluated
// (see guard.Options.Lazy).
func loadGuardrails(args []string, p Options, lazy bool) (*guardrails, diag.List) {
	s, ds := setupGuardrails(args, p, lazy)
	if ds != nil {
		return nil, ds
	}
	b, ds := guard.Load(context.Background(), s.opts)
	if ds != nil {
		return nil, ds
	}
	if ds := s.cfg.CheckRules(knownRule(b)); ds != nil {
		return nil, ds
	}
	g := s.guardrails()
	g.bundle, g.rules = b, factsOf(b, s.cfg)
	g.sources, _ = guard.SourceHash(s.opts) // Load read every file
	return g, nil
}

// rulesIn keys what a load of the policies found, as far as ruleFacts
// tell: the policies, the configuration (disabled rules, severities,
// waivers, namespaces) and the namespaces the options add.
type rulesIn struct {
	Sources       []byte
	Config        *source.File
	Namespaces    []string
	AllNamespaces bool
}

// storedGuardrails are the guardrails of a run that may be answered from
// the cache, made without parsing the policies when the disk cache holds
// what a load of the same policies and configuration found (parsing them
// was most of the start of such a run). Otherwise, and whenever the
// configuration, the data or a policy file cannot be read, they are
// load's, which reports what is wrong, and what it found is stored.
// The facts go to the disk cache alone, not through the engine's stores,
// so that they count as no app's hit or miss. Under cacheverify the
// policies are always loaded, and facts stored that differ from what
// the load found fail the run.
func storedGuardrails(args []string, p Options, load func() (*guardrails, error)) (*guardrails, error) {
	c := p.Cache.Cache()
	s, ds := setupGuardrails(args, p, true)
	if c == nil || ds != nil {
		return load()
	}
	sum, err := guard.SourceHash(s.opts)
	if err != nil {
		return load()
	}
	h := p.Cache.Key("guardrails", 1)
	if err := engine.HashInput(h, rulesIn{Sources: sum[:], Config: s.cfg.File, Namespaces: s.opts.Namespaces, AllNamespaces: s.opts.AllNamespaces}); err != nil {
		return load()
	}
	id := h.Sum()
	stored, err := c.Read(id)
	var facts ruleFacts
	if err == nil && json.Unmarshal(stored, &facts) == nil && !p.Cache.Verifying() {
		if ds := s.cfg.CheckRules(facts.known); ds != nil {
			return nil, &LoadError{Diagnostics: ds}
		}
		g := s.guardrails()
		g.rules, g.sources = facts, sum
		return g, nil
	}
	g, err := load()
	if err != nil {
		return nil, err
	}
	fresh, err := json.Marshal(g.rules)
	switch {
	case err != nil || bytes.Equal(stored, fresh):
	case stored != nil && p.Cache.Verifying():
		return nil, fmt.Errorf("%w: the stored rules of the guardrails differ from a fresh load: their key misses an input", engine.ErrVerify)
	default:
		c.Write(id, fresh) // a cache that cannot keep it costs the next run a load
	}
	return g, nil
}

// setupGuardrails reads what loading the guardrails needs before the
// policies: the configuration, the policy directories (which must
// exist) and the data files.
func setupGuardrails(args []string, p Options, lazy bool) (guardSetup, diag.List) {
	cfg, ds := loadConfig(args, p.Config)
	if ds != nil {
		return guardSetup{}, ds
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
			return guardSetup{}, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %s", repofile.Display(dir.Path), why))}
		}
		if _, err := repofile.Resolve(dir.Root, dir.Path); err != nil {
			return guardSetup{}, diag.List{dir.Diagnostic("policy/read", fmt.Sprintf("policy directory %s: %v", repofile.Display(dir.Path), err))}
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
		return guardSetup{}, ds
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
	return guardSetup{cfg: cfg, opts: opts, dataFiles: files, p: p}, nil
}

// guardrails are s's guardrails, without their policies.
func (s guardSetup) guardrails() *guardrails {
	waivers := waiver.NewSet(time.Now(), s.cfg.Waivers)
	waivers.Root = s.cfg.Root
	ns := strings.Join(s.opts.Namespaces, "\x00")
	if s.p.AllNamespaces {
		ns = "*all"
	}
	cfg := s.cfg
	g := &guardrails{cfg: cfg, waivers: waivers, dirs: s.opts.Dirs, dataFiles: s.dataFiles, namespaces: ns}
	g.leftovers = sync.OnceValue(func() map[string][]string { return buildLeftovers(cfg) })
	return g
}

// loadConfig reads --config, or the configuration of the repository that
// holds the first path; without one, the default configuration.
func loadConfig(args []string, explicit string) (*config.Config, diag.List) {
	if explicit != "" {
		return withEmitChecked(config.Load(explicit, explicit))
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
	return withEmitChecked(config.Load(name, repofile.Display(name)))
}

// withEmitChecked adds to a loaded configuration's diagnostics what only the
// workspace can judge: the names of its emit list.
func withEmitChecked(cfg *config.Config, ds diag.List) (*config.Config, diag.List) {
	if cfg != nil {
		ds = append(ds, checkEmit(cfg)...)
	}
	return cfg, ds
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
