package workspace

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/team"
	"github.com/kilnhq/kiln/compiler/validate"
)

// TeamDir is where, under kiln build's -o DIR (or the committed outputs
// directory), the team namespaces are written: a name no app can have.
const TeamDir = "_namespaces"

// teamRun is what the run's team pass gave: the files of the team
// namespaces (<env>.yaml) when they are an output, and the team rules'
// findings.
type teamRun struct {
	files  map[string][]byte // nil when the namespaces are no output
	diags  diag.List
	waived diag.List
}

// teamPass joins what every app's build measured (outcome.team) into the
// team namespaces and judges the apps together. It is computed afresh
// every run from the apps' results, cached or not, so a change to one app
// re-judges its team. emit says the namespaces are an output, judge that
// the budgets are judged; without either there is nothing to do. render
// says the files are wanted (to write or compare): rendering them is half
// the pass's time. g is nil without
// guardrails: the objects are built, the rules do not run. It runs before
// collect, which reports the repository's waivers that waived nothing.
func teamPass(cfg *config.Config, g *guardrails, outcomes []outcome, inputs []input, emit, judge, render bool, v *validate.Validator) (teamRun, error) {
	var r teamRun
	t := cfg.Teams
	if !emit && !judge {
		return r, nil
	}
	var apps []team.App
	for _, oc := range outcomes {
		if oc.team != nil {
			apps = append(apps, *oc.team)
		}
	}
	o := team.Options{Teams: t, Emit: emit, Disabled: map[string]bool{}, Severity: cfg.Severity}
	if label, ok := cfg.Conventions["ownerLabel"].(string); ok {
		o.OwnerLabel = label
	}
	for _, e := range cfg.Disable {
		o.Disabled[e.Value] = true
	}
	if g == nil {
		o.Disabled[team.RuleNamespace], o.Disabled[team.RuleBudget] = true, true
	} else {
		o.Waive = func(rule, app, file, env string) (string, bool) {
			return g.waivers.Waive(app, file, env, diag.Diagnostic{Code: rule})
		}
	}
	plan, err := team.Make(apps, o)
	if err != nil {
		return r, err
	}
	fs := newFiles(inputs)
	if cfg.File != nil {
		fs.read[cfg.File.Name] = cfg.File
	}
	for _, d := range diag.Resolve(plan.Findings, fs.get) {
		if d.Waived != "" {
			r.waived = append(r.waived, d)
			continue
		}
		r.diags = append(r.diags, d)
	}
	if !emit {
		return r, nil
	}
	r.diags = append(r.diags, validateTeams(cfg, plan, v)...)
	if !render {
		return r, nil
	}
	r.files, err = plan.Files()
	return r, err
}

// validateTeams validates every team object strictly, as an app's
// objects are. An object the API server would refuse comes from the
// configuration (a role or group name), so it is reported at its teams
// block.
func validateTeams(cfg *config.Config, plan team.Plan, v *validate.Validator) diag.List {
	if v == nil {
		return nil
	}
	var ds diag.List
	for _, e := range plan.Envs {
		// Each environment's objects go to its clusters, at its version.
		v := v
		if kv := cfg.KubeVersions[e.Name]; kv != "" && kv != v.Version() {
			if ev, err := validate.For(kv); err == nil {
				v = ev
			}
		}
		for _, o := range e.Objects {
			for _, vi := range v.Validate(o) {
				if vi.Warning {
					continue
				}
				d := diag.Diagnostic{Severity: diag.Error, Code: "team/" + vi.Code, Kind: diag.Finding,
					Message: fmt.Sprintf("the team namespaces' %s/%s in %s would be refused by Kubernetes %s: %s: %s", o.Kind, o.Name, e.Name, v.Version(), vi.Path, vi.Message)}
				if cfg.Teams != nil {
					d.Pos, d.End = cfg.Teams.At.Pos, cfg.Teams.At.End
				}
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// teamsEmitted says whether the repository's configuration makes the
// team namespaces an output of a run over paths: of every build and
// check of the whole repository. A run over part of it (one app, a pull
// request's changed apps) sees part of each team, and would size its
// namespaces from that part; it leaves them out.
func teamsEmitted(cfg *config.Config, paths []string) bool {
	return cfg != nil && (cfg.Teams != nil && cfg.Teams.Emit || emitsTeams(cfg)) && coversRoot(paths, cfg.Root)
}

// teamsConfigured says whether the configuration makes the team pass
// run over a whole repository (teamsEmitted or teamsJudged): only then
// does an app's check measure what the pass needs of it. The
// configuration is in every app's key, so a result measured or not
// measured is never taken for the other.
func teamsConfigured(cfg *config.Config) bool {
	return cfg != nil && (cfg.Teams != nil || emitsTeams(cfg))
}

// teamsJudged says whether a run over paths judges the teams' budgets:
// when the configuration sets some and the run sees every app.
func teamsJudged(cfg *config.Config, paths []string) bool {
	return cfg != nil && cfg.Teams != nil && len(cfg.Teams.Budgets) > 0 && coversRoot(paths, cfg.Root)
}

// coversRoot reports whether one of paths is the repository root or a
// directory above it.
func coversRoot(paths []string, root string) bool {
	r, err := filepath.Abs(root)
	if err != nil || root == "" {
		return false
	}
	for _, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(a, r); err == nil && filepath.IsLocal(rel) || rel == "." {
			return true
		}
	}
	return false
}

// teamDrift compares the committed team namespaces (DIR/_namespaces of
// the configuration's outputs) with the fresh ones.
func teamDrift(cfg *config.Config, fresh map[string][]byte) diag.List {
	if cfg.Outputs.Value == "" || fresh == nil {
		return nil
	}
	t := committedTree{dir: filepath.Join(cfg.Path(cfg.Outputs), TeamDir), files: map[string][]byte{}}
	filepath.WalkDir(t.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(t.dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		t.files[rel] = b
		if err != nil {
			if t.errs == nil {
				t.errs = map[string]error{}
			}
			t.errs[rel] = err
		}
		t.names = append(t.names, rel)
		return nil
	})
	sort.Strings(t.names)
	return drift(t, fresh)
}

// TeamRules are the team rules (package team) as guard describes a rule,
// with cfg's severities, less the ones it disables: kiln rules lists
// them beside the Rego rules, reports describe them.
func TeamRules(cfg *config.Config) []guard.Rule {
	var out []guard.Rule
	for i, r := range team.Rules {
		if cfg != nil && slices.ContainsFunc(cfg.Disable, func(e config.Entry) bool { return e.Value == r.ID }) {
			continue
		}
		sev := r.Severity
		if cfg != nil {
			if s, ok := cfg.Severity[r.ID]; ok {
				sev = s
			}
		}
		out = append(out, guard.Rule{ID: r.ID, Title: r.Title, Description: r.Description, Remediation: r.Remediation, Severity: sev,
			Package: "team", File: "compiler/team/rules.go", Line: team.RuleLine(i), Builtin: true})
	}
	return out
}
