package emit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
)

// An Artifact is one of kiln's outputs. The registry (Registry) is the one
// list of them: --emit, kiln build's files, the config tests' artifact:
// targets, the language server's code lenses and the outputs kiln check
// compares with committed ones all range over it, so that a new output is
// one entry here.
type Artifact struct {
	// Name is how --emit spells the output.
	Name string
	// Test is how a config test's artifact: spells it, when not Name.
	Test string
	// Description says in one line what the output is, for help and docs.
	Description string
	// PerEnv is set when the output has a file per environment.
	PerEnv bool
	// Default outputs are written by kiln build without --emit, compared
	// with committed outputs by kiln check and shown by the language server.
	Default bool
	// Paths are the files the output contributes, relative to the app's
	// output directory; <env> stands for an environment's name, <kind>
	// for an object's kind in lower case (with its name, for a kind an app
	// has several of) and <name> for an object's name.
	Paths []string
	// Show is the path (one of Paths) the language server offers to open,
	// and Title the title of its code lens; <env> is replaced in both.
	Show, Title string
	// Select turns on, in a build's options, what building the output
	// needs; Selected reports whether a build's options asked for it.
	Select   func(*build.Artifacts)
	Selected func(build.Artifacts) bool
	// Files adds the output's files of r to files.
	Files func(files map[string][]byte, r *build.Result) error
	// Documents are what a config test's assertion on the output sees in
	// environment env: objects as maps, text as a string.
	Documents func(r *build.Result, env build.Env) []any
	// Across is set for an output built across apps rather than per app
	// (the team namespaces): the workspace builds it from every app's
	// build, its Paths are relative to DIR, and an app's Files add none.
	Across bool
}

// registry is in --emit's order; a new output goes at its end.
var registry = []Artifact{
	{
		Name: "k8s", Test: "manifests", Default: true, PerEnv: true,
		Description: "rendered manifests per environment, the Secrets of spec.sopsSecrets as they are, and the kustomize base and overlays",
		Paths: []string{"rendered/<env>.yaml", "rendered/secrets/<name>.yaml", "base/kustomization.yaml", "base/<kind>.yaml",
			"overlays/<env>/kustomization.yaml", "overlays/<env>/<kind>.yaml"},
		Show: "rendered/<env>.yaml", Title: "manifests: <env>",
		Select:   func(a *build.Artifacts) { a.K8s = true },
		Selected: func(a build.Artifacts) bool { return a.K8s },
		Files:    manifestFiles,
		Documents: func(r *build.Result, env build.Env) []any {
			return contents(env.Objects, nil)
		},
	},
	{
		Name: "dockerfile", Default: true,
		Description: "the Dockerfile spec.build describes, and what its build context leaves out (docs/dockerfile.md)",
		Paths:       []string{"Dockerfile", "Dockerfile.dockerignore"},
		Show:        "Dockerfile", Title: "Dockerfile",
		Select:   func(a *build.Artifacts) { a.Dockerfile = true },
		Selected: func(a build.Artifacts) bool { return a.Dockerfile },
		Files: func(files map[string][]byte, r *build.Result) error {
			if r.Dockerfile != nil {
				files["Dockerfile"] = r.Dockerfile
				files["Dockerfile.dockerignore"] = r.DockerIgnore
			}
			return nil
		},
		Documents: func(r *build.Result, env build.Env) []any {
			if r.Dockerfile == nil {
				return nil
			}
			return []any{string(r.Dockerfile)}
		},
	},
	{
		Name: "catalog", Default: true,
		Description: "the Backstage catalog entry, with the owner and the SLA",
		Paths:       []string{"catalog-info.yaml"},
		Show:        "catalog-info.yaml", Title: "catalog-info.yaml",
		Select:   func(a *build.Artifacts) { a.Catalog = true },
		Selected: func(a build.Artifacts) bool { return a.Catalog },
		Files: func(files map[string][]byte, r *build.Result) error {
			if r.Catalog == nil {
				return nil
			}
			b, err := compile.YAML([]compile.Object{*r.Catalog})
			files["catalog-info.yaml"] = b
			return err
		},
		Documents: func(r *build.Result, env build.Env) []any {
			if r.Catalog == nil {
				return nil
			}
			return []any{r.Catalog.Content}
		},
	},
	{
		Name: "helm", Default: true, PerEnv: true,
		Description: "values for kiln's generic Helm chart (kiln chart DIR writes it), and each environment's changes to them",
		Paths:       []string{"helm/values.yaml", "helm/values-<env>.yaml"},
		Show:        "helm/values.yaml", Title: "helm/values.yaml",
		Select:   func(a *build.Artifacts) { a.Helm = true },
		Selected: func(a build.Artifacts) bool { return a.Helm },
		Files:    helmValues,
		Documents: func(r *build.Result, env build.Env) []any {
			if env.HelmValues == nil {
				return nil
			}
			return []any{env.HelmValues}
		},
	},
	{
		Name: "slo", PerEnv: true,
		Description: "a ServiceMonitor and a PrometheusRule with the SLA's burn-rate alerts, also in the manifests (docs/slo.md)",
		Paths:       []string{"slo/<env>.yaml"},
		Show:        "slo/<env>.yaml", Title: "slo: <env>",
		Select:   func(a *build.Artifacts) { a.SLO = true },
		Selected: func(a build.Artifacts) bool { return a.SLO },
		Files:    sloFiles,
		Documents: func(r *build.Result, env build.Env) []any {
			return contents(env.Objects, isSLO)
		},
	},
	{
		Name: "alerts", PerEnv: true,
		Description: "an AlertmanagerConfig routing the app's alerts to metadata.contact, also in the manifests, and the same route for a plain alertmanager.yml (docs/alerting.md)",
		Paths:       []string{"alerts/<env>.yaml", "alerts/<env>-alertmanager.yaml"},
		Show:        "alerts/<env>.yaml", Title: "alerts: <env>",
		Select:   func(a *build.Artifacts) { a.Alerts = true },
		Selected: func(a build.Artifacts) bool { return a.Alerts },
		Files:    alertFiles,
		// A config test asserts on the AlertmanagerConfig; the plain
		// route says the same, and amtool checks it (compiler/alerting).
		Documents: func(r *build.Result, env build.Env) []any {
			return contents(env.Objects, isAlerts)
		},
	},
	{
		Name: "dashboard", PerEnv: true,
		Description: "a Grafana dashboard of the SLO and the golden signals, and its GrafanaDashboard, also in the manifests with the SLO rules whose series it reads (docs/dashboards.md)",
		Paths:       []string{"dashboards/<env>.json", "dashboards/<env>.yaml"},
		Show:        "dashboards/<env>.json", Title: "dashboard: <env>",
		Select:   func(a *build.Artifacts) { a.Dashboard = true },
		Selected: func(a build.Artifacts) bool { return a.Dashboard },
		Files:    dashboardFiles,
		Documents: func(r *build.Result, env build.Env) []any {
			return dashboardModels(env)
		},
	},
	{
		// Across apps: the workspace joins every app's part (team.Make)
		// and kiln build writes it beside the apps' directories.
		Name: "namespaces", PerEnv: true,
		Description: "per environment, each owner team's namespaces with a ResourceQuota sized from its apps, a LimitRange, a RoleBinding and a default-deny NetworkPolicy, across apps: in DIR/_namespaces, beside the apps' directories (docs/namespaces.md)",
		Paths:       []string{"_namespaces/<env>.yaml"},
		Show:        "_namespaces/<env>.yaml", Title: "namespaces: <env>", Across: true,
		Select:   func(a *build.Artifacts) { a.Namespaces = true },
		Selected: func(a build.Artifacts) bool { return a.Namespaces },
		Files:    func(map[string][]byte, *build.Result) error { return nil },
		Documents: func(*build.Result, build.Env) []any {
			return nil
		},
	},
}

// Registry returns every output kiln can write, in --emit's order.
func Registry() []Artifact { return slices.Clone(registry) }

// Names returns every output's name, as --emit spells it.
func Names() []string {
	names := make([]string, len(registry))
	for i, a := range registry {
		names[i] = a.Name
	}
	return names
}

// DefaultNames returns the names of the outputs kiln build writes without
// --emit.
func DefaultNames() []string {
	var names []string
	for _, a := range registry {
		if a.Default {
			names = append(names, a.Name)
		}
	}
	return names
}

// Default selects the default outputs: what kiln build writes without
// --emit, what kiln check compares with committed outputs and what the
// language server shows.
func Default() build.Artifacts {
	var sel build.Artifacts
	for _, a := range registry {
		if a.Default {
			a.Select(&sel)
		}
	}
	return sel
}

// Parse reads --emit's comma-separated list of output names; blanks
// around a name and empty names are ignored. An unknown name is an error
// that lists the valid ones.
func Parse(list string) (build.Artifacts, error) {
	var sel build.Artifacts
	for _, name := range strings.Split(list, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		a, ok := Lookup(strings.TrimSpace(name))
		if !ok {
			return sel, fmt.Errorf("unknown output %q (valid: %s)", name, strings.Join(Names(), ", "))
		}
		a.Select(&sel)
	}
	return sel, nil
}

// Lookup finds an output by the name --emit gives it.
func Lookup(name string) (Artifact, bool) {
	i := slices.IndexFunc(registry, func(a Artifact) bool { return a.Name == name })
	if i < 0 {
		return Artifact{}, false
	}
	return registry[i], true
}

// TestName is how a config test's artifact: selects a.
func (a Artifact) TestName() string {
	if a.Test != "" {
		return a.Test
	}
	return a.Name
}

// TestNames returns every output's name as config tests' artifact:
// spells it, in --emit's order. An output built across apps is none: a
// config test is about one app.
func TestNames() []string {
	var names []string
	for _, a := range registry {
		if !a.Across {
			names = append(names, a.TestName())
		}
	}
	return names
}

// LookupTest finds an output by the name a config test's artifact: gives it.
func LookupTest(name string) (Artifact, bool) {
	i := slices.IndexFunc(registry, func(a Artifact) bool { return a.TestName() == name && !a.Across })
	if i < 0 {
		return Artifact{}, false
	}
	return registry[i], true
}

// Owns reports whether path, relative to the app's output directory, is
// one of a's files.
func (a Artifact) Owns(path string) bool {
	return slices.ContainsFunc(a.Paths, func(p string) bool { return pathPattern(p).MatchString(path) })
}

// Lens returns the title of the code lens that shows path, when path is
// the file of a that the language server offers to open.
func (a Artifact) Lens(path string) (title string, ok bool) {
	if a.Show == "" {
		return "", false
	}
	m := pathPattern(a.Show).FindStringSubmatch(path)
	if m == nil {
		return "", false
	}
	title = a.Title
	if len(m) > 1 {
		title = strings.ReplaceAll(title, "<env>", m[1])
	}
	return title, true
}

// pathPattern turns one of Paths into a regular expression; <env> is
// captured.
func pathPattern(p string) *regexp.Regexp {
	q := regexp.QuoteMeta(p)
	q = strings.ReplaceAll(q, "<env>", "([^/]+)")
	q = strings.ReplaceAll(q, "<kind>", "[^/]+")
	q = strings.ReplaceAll(q, "<name>", "[^/]+")
	return regexp.MustCompile("^" + q + "$")
}

// contents returns the content of the objects keep accepts (all when nil).
func contents(objs []compile.Object, keep func(compile.Object) bool) []any {
	var out []any
	for _, o := range objs {
		if keep == nil || keep(o) {
			out = append(out, o.Content)
		}
	}
	return out
}

func isSLO(o compile.Object) bool { return o.Kind == "ServiceMonitor" || o.Kind == "PrometheusRule" }

func isAlerts(o compile.Object) bool {
	return o.Kind == "AlertmanagerConfig" && o.APIVersion == build.AlertmanagerAPI
}

// Reference is docs/outputs.md: the registry as a table, for the people
// who pick outputs with --emit and artifact:.
func Reference() string {
	var b strings.Builder
	b.WriteString("# Outputs\n\n")
	b.WriteString("<!-- Generated from compiler/emit's registry of outputs (emit.Registry) by `make docs`. Do not edit. -->\n\n")
	b.WriteString("`kiln build` writes each app's outputs under `DIR/<app>/` (`-o DIR`, or `build/`\n")
	b.WriteString("next to the definition). `--emit` picks them, comma-separated; by default\n")
	fmt.Fprintf(&b, "`%s`, or the list `emit:` of `.kiln/config.yaml` names, which is also what\n", strings.Join(DefaultNames(), ","))
	b.WriteString("`kiln check` builds, guards and compares with committed outputs and what the\n")
	b.WriteString("editor shows. A config test's assertion selects one with `artifact:`\n")
	b.WriteString("([testing.md](testing.md)); the language server's code lenses open a default\n")
	b.WriteString("output's first file ([editors.md](editors.md)). `<env>` stands for an environment's\n")
	b.WriteString("name, `<kind>` for an object's kind in lower case (`externalsecret-<name>` for a kind\n")
	b.WriteString("an app may have several of, `secret-<name>` for a SOPS Secret), `<name>` for an object's name.\n\n")
	b.WriteString("| `--emit` | `artifact:` | default | per environment | files | what it is |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	yes := map[bool]string{true: "yes", false: "no"}
	for _, a := range registry {
		paths := []string{"`" + a.Show + "`"}
		for _, p := range a.Paths {
			if p != a.Show {
				paths = append(paths, "`"+p+"`")
			}
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s |\n", a.Name, a.TestName(), yes[a.Default], yes[a.PerEnv],
			strings.Join(paths, "<br>"), a.Description)
	}
	return b.String()
}
