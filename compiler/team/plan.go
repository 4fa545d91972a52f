package team

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
)

// Options say how Plan derives the namespaces and judges the apps.
type Options struct {
	// Teams is the configuration's teams block; nil means
	// config.DefaultTeams.
	Teams *config.Teams
	// Emit says the namespaces are an output: Plan builds their objects,
	// and the namespace rule runs. Without it only the budgets are judged.
	Emit bool
	// OwnerLabel is the label key that names a namespace's owner
	// (conventions.ownerLabel; kiln.dev/owner when empty).
	OwnerLabel string
	// Disabled and Severity are the configuration's disable and severity
	// for the team rules.
	Disabled map[string]bool
	Severity map[string]diag.Severity
	// Waive, when set, says whether a waiver of the repository exempts a
	// finding of rule about app (its name and definition) in env, and why.
	Waive func(rule, app, file, env string) (reason string, ok bool)
}

// A Plan is what Plan derived: the objects of each environment, and the
// findings about the apps.
type Plan struct {
	Envs     []EnvObjects // sorted by name; none without Options.Emit
	Findings []diag.Wire
}

// EnvObjects are the team objects of one environment: per namespace,
// sorted by name, the Namespace, its ResourceQuota, LimitRange,
// RoleBinding and NetworkPolicy.
type EnvObjects struct {
	Name    string
	Objects []compile.Object
}

// Files returns the plan as kiln build writes it: <env>.yaml per
// environment.
func (p Plan) Files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, e := range p.Envs {
		b, err := compile.YAML(e.Objects)
		if err != nil {
			return nil, err
		}
		out[e.Name+".yaml"] = b
	}
	return out, nil
}

// namespace is one namespace kiln creates in one environment.
type namespace struct {
	name, owner string
	first       App // the first app (in definition order) that claimed it
	firstAt     diag.Wire
	usage       Usage
}

// Make derives the team namespaces of apps and judges them. The apps are
// taken in the order of their definitions' names, so that the app
// reported for a namespace or budget is the same every run.
func Make(apps []App, o Options) (Plan, error) {
	t := cmp.Or(o.Teams, config.DefaultTeams())
	d, err := defaults(t)
	if err != nil {
		return Plan{}, err
	}
	apps = slices.Clone(apps)
	slices.SortStableFunc(apps, func(a, b App) int { return strings.Compare(a.Definition, b.Definition) })
	external := map[string]bool{}
	for _, e := range t.External {
		external[e.Value] = true
	}
	f := findings{opts: o}
	var plan Plan
	for _, env := range envNames(apps) {
		spaces := map[string]*namespace{}
		spent := map[string]Usage{} // owner → its apps' usage so far
		over := map[string]bool{}   // owner + key already reported
		for _, a := range apps {
			e, ok := a.env(env)
			if !ok {
				continue
			}
			u := newUsage()
			for _, w := range e.Workloads {
				u.add(w.Usage(d))
			}
			if o.Emit {
				claim(&f, spaces, external, a, e, u)
				if t.DenyEgress && !e.Egress && len(e.Workloads) > 0 {
					f.add(RuleNamespace, a, e.Name, a.NameAt, fmt.Sprintf("teams.denyEgress would cut app %s off from DNS and every other service: its NetworkPolicy governs no egress; declare what it calls in spec.dependsOn, or leave egress open", a.Name))
				}
			}
			if b, ok := t.Budgets[a.Owner]; ok {
				budget(&f, b, a, e, u, spent, over)
			}
		}
		if o.Emit {
			objs, err := objects(t, o, d, spaces)
			if err != nil {
				return Plan{}, err
			}
			plan.Envs = append(plan.Envs, EnvObjects{Name: env, Objects: objs})
		}
	}
	plan.Findings = f.merged(apps)
	return plan, nil
}

// claim puts app a's environment e in its namespace, or reports why it
// cannot: it names none, or another team has it.
func claim(f *findings, spaces map[string]*namespace, external map[string]bool, a App, e Env, u Usage) {
	ns := e.Namespace
	switch {
	case ns == "" && external["default"]:
		return
	case ns == "":
		f.add(RuleNamespace, a, e.Name, e.NamespaceAt, fmt.Sprintf("app %s names no namespace, so no team namespace holds it; set metadata.namespace, or list default under teams.external", a.Name))
		return
	case external[ns]:
		return
	}
	s, ok := spaces[ns]
	if !ok {
		spaces[ns] = &namespace{name: ns, owner: a.Owner, first: a, firstAt: e.NamespaceAt, usage: u}
		return
	}
	if s.owner != a.Owner {
		w := e.NamespaceAt
		w.Related = []diag.WireRelated{{File: s.firstAt.File, Pos: s.firstAt.Pos, End: s.firstAt.End, Message: fmt.Sprintf("app %s of %s claims %s here", s.first.Name, s.owner, ns)}}
		f.add(RuleNamespace, a, e.Name, w, fmt.Sprintf("namespace %s is team %s's (app %s in %s); app %s of team %s cannot share it", ns, s.owner, s.first.Name, s.first.Definition, a.Name, a.Owner))
	}
	// The app's pods run in the namespace all the same when the finding
	// is waived or the rule disabled: its quota counts them.
	s.usage.add(u)
}

// budget adds app a's usage u in environment e to its team's, and
// reports the app that takes the team over its budget, once per key.
func budget(f *findings, b config.Budget, a App, e Env, u Usage, spent map[string]Usage, over map[string]bool) {
	s, ok := spent[a.Owner]
	if !ok {
		s = newUsage()
	}
	s.add(u)
	spent[a.Owner] = s
	for _, c := range []struct {
		key, res string
		limit    config.Entry
	}{{RequestsCPU, "cpu", b.CPU}, {RequestsMemory, "memory", b.Memory}} {
		if c.limit.Value == "" || over[a.Owner+c.key] {
			continue
		}
		max := resource.MustParse(c.limit.Value)
		total := s.Sum[c.key]
		if total.Cmp(max) <= 0 {
			continue
		}
		over[a.Owner+c.key] = true
		at, ok := e.ResourcesAt[c.res]
		if !ok {
			at = a.NameAt
		}
		mine := u.Sum[c.key]
		at.Related = []diag.WireRelated{{File: fileOf(c.limit), Pos: diag.WireOffset(c.limit.Pos), End: diag.WireOffset(c.limit.End),
			Message: fmt.Sprintf("the %s budget of %s", c.res, a.Owner)}}
		f.add(RuleBudget, a, e.Name, at, fmt.Sprintf("team %s's %s come to %s with app %s (%s of them), over its budget of %s (teams.budgets.%s.%s)",
			a.Owner, c.key, describe(total), a.Name, describe(mine), c.limit.Value, a.Owner, c.res))
	}
}

func fileOf(e config.Entry) string {
	if e.Pos.File == nil {
		return ""
	}
	return e.Pos.File.Name
}

// defaults reads the LimitRange's defaults.
func defaults(t *config.Teams) (Defaults, error) {
	var d Defaults
	for _, q := range []struct {
		dst *resource.Quantity
		s   string
	}{{&d.CPU, t.LimitRange.CPU}, {&d.Memory, t.LimitRange.Memory}, {&d.MemoryLimit, t.LimitRange.MemoryLimit}} {
		v, err := resource.ParseQuantity(q.s)
		if err != nil {
			return d, fmt.Errorf("teams.limitRange: %q: %v", q.s, err)
		}
		*q.dst = v
	}
	return d, nil
}

// envNames are the environments of every app, sorted.
func envNames(apps []App) []string {
	set := map[string]bool{}
	for _, a := range apps {
		for _, e := range a.Envs {
			set[e.Name] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func (a App) env(name string) (Env, bool) {
	for _, e := range a.Envs {
		if e.Name == name {
			return e, true
		}
	}
	return Env{}, false
}

// findings collects the team rules' findings per environment, to merge
// the same finding of several environments into one.
type findings struct {
	opts Options
	list []finding
}

type finding struct {
	app  App
	env  string
	wire diag.Wire
}

func (f *findings) add(rule string, a App, env string, at diag.Wire, msg string) {
	if f.opts.Disabled[rule] {
		return
	}
	sev := diag.Error
	for _, r := range Rules {
		if r.ID == rule {
			sev = r.Severity
		}
	}
	if s, ok := f.opts.Severity[rule]; ok {
		sev = s
	}
	w := at
	w.Severity, w.Code, w.Message, w.Kind = sev, rule, msg, diag.Finding
	if f.opts.Waive != nil {
		if reason, ok := f.opts.Waive(rule, a.Name, a.Definition, env); ok {
			w.Waived = reason
		}
	}
	f.list = append(f.list, finding{a, env, w})
}

// merged is one finding per place and message, with the environments it
// holds in when it holds in some of its app's only.
func (f *findings) merged(apps []App) []diag.Wire {
	type key struct {
		file             string
		pos              int
		code, msg, waive string
	}
	var order []key
	byKey := map[key]*diag.Wire{}
	app := map[key]App{}
	for _, x := range f.list {
		k := key{x.wire.File, x.wire.Pos, x.wire.Code, x.wire.Message, x.wire.Waived}
		if w, ok := byKey[k]; ok {
			w.Environments = append(w.Environments, x.env)
			continue
		}
		w := x.wire
		w.Environments = []string{x.env}
		byKey[k], app[k] = &w, x.app
		order = append(order, k)
	}
	var out []diag.Wire
	for _, k := range order {
		w := *byKey[k]
		if len(w.Environments) == len(app[k].Envs) {
			w.Environments = nil
		}
		slices.Sort(w.Environments)
		out = append(out, w)
	}
	return out
}
