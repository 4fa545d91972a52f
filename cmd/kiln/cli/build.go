package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
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

--emit picks among them (k8s, dockerfile, catalog, helm; all by default, or the
outputs emit: of .kiln/config.yaml names), and adds
slo: per environment, a PrometheusRule with multi-window, multi-burn-rate
alerts on the SLA's error budgets and a ServiceMonitor that scrapes the app,
for clusters with the Prometheus operator (see docs/slo.md); and alerts: per
environment, an AlertmanagerConfig and a plain Alertmanager route that send
the app's alerts to metadata.contact (see docs/alerting.md); and
dashboard: per environment, a Grafana dashboard of the SLO and the golden
signals (dashboards/<env>.json) and the GrafanaDashboard that holds it,
among the manifests with the SLO rules whose series it reads (see
docs/dashboards.md); and namespaces:
across the apps, per environment, each owner team's namespaces with a
ResourceQuota sized from its apps, a LimitRange, a RoleBinding of the
team's group and a default-deny NetworkPolicy, in DIR/_namespaces/<env>.yaml
(DIR is -o, else outputs: of .kiln/config.yaml; teams: there configures
them, and emit: true writes them on every build of the whole repository;
see docs/namespaces.md).
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
			fs.StringVar(&o.emit, "emit", "", "outputs to write, comma-separated: "+strings.Join(emit.Names(), ", ")+" (default: emit: of .kiln/config.yaml, else "+strings.Join(emit.DefaultNames(), ",")+")")
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many apps to build at once")
			fs.BoolVar(&o.noPolicy, "no-policy", false, "do not run the guardrails")
			fs.BoolVar(&o.keepGoing, "keep-going", false, "write the apps without errors even when others have some")
			o.policyOptions.register(fs)
			o.cacheOptions.register(fs)
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			fs.StringVar(&o.explainOrigin, "explain-origin", "", "print where KIND.FIELD's value comes from, e.g. Deployment.spec.replicas")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runBuild(env, opts.(*buildOptions), args) },
	})
}

func runBuild(env *Env, o *buildOptions, args []string) int {
	artifacts, err := emit.Parse(o.emit)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: --emit: %v\n", err)
		return ExitBadInput
	}
	configured := strings.TrimSpace(o.emit) == ""
	if !reportFlagsOK(env, "build", &o.reportOptions) {
		return ExitBadInput
	}
	wo := o.policyOptions.workspaceOptions(env, args)
	wo.KubeVersion, wo.Jobs, wo.NoPolicy, wo.StdinName = o.kubeVersion, o.jobs, o.noPolicy, o.stdinFilename
	// Written to directories, each app's build goes through the cache;
	// --stdout and --explain-origin need the whole build result.
	whole := o.stdout || o.explainOrigin != ""
	if !whole {
		var err error
		if wo.Cache, err = o.cacheOptions.engine(env); err != nil {
			fmt.Fprintf(env.Stderr, "kiln build: %v\n", err)
			return ExitBadInput
		}
	}
	w, ok := open(env, "build", wo)
	if !ok {
		return ExitBadInput
	}
	if configured {
		if artifacts, err = w.Outputs(); err != nil {
			return failed(env, "build", &o.reportOptions, err)
		}
	}
	if !whole && o.out == "" && teamsAsked(w, artifacts) {
		if cfg, err := w.Config(); err == nil && cfg.Outputs.Value == "" {
			fmt.Fprintf(env.Stderr, "kiln build: the team namespaces span apps and have no directory beside one: give -o DIR, or outputs: in %s\n", config.Name)
			return ExitBadInput
		}
	}
	r, err := w.Build(env.Ctx, args, workspace.BuildOptions{Env: o.env, Emit: artifacts, Results: whole})
	if err != nil {
		return failed(env, "build", &o.reportOptions, err)
	}
	if whole && len(r.Apps) != 1 {
		fmt.Fprintf(env.Stderr, "kiln build: --stdout and --explain-origin take exactly one app; %d found\n", len(r.Apps))
		return ExitBadInput
	}
	if o.failOn == "" {
		o.failOn = w.FailOn()
	}
	o.rules, _ = w.Rules()
	var outs []workspace.BuiltApp
	for _, a := range r.Apps {
		if a.Built {
			outs = append(outs, a)
		}
	}
	all := withWaived(r.Diagnostics, r.Waived, o.showWaived)
	if !whole {
		if clash := clashes(o, outs); len(clash) > 0 {
			all = append(all, clash...)
			r.Incomplete = true
		}
	}
	// --stdout and --explain-origin own standard output (a YAML stream
	// for kubectl, the origins); the findings go to standard error.
	reportEnv := env
	if whole {
		e := *env
		e.Stdout = env.Stderr
		reportEnv = &e
	}
	o.waived, o.incomplete = r.Waived, r.Incomplete
	if err := writeReport(reportEnv, &o.reportOptions, r.Files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: writing the report: %v\n", err)
		return ExitBadInput
	}
	r.Diagnostics = all
	code := r.ExitCode(failOnLevel(o.failOn))
	note := ""
	switch {
	case code != ExitBadInput && !all.HasErrors():
		// Warnings at --fail-on fail the run but are not broken output:
		// write what was built. Errors are, even when --fail-on none
		// keeps them from failing the run.
		if c := deliver(env, o, outs); c != ExitClean {
			code = c
		} else if c := writeTeams(env, o, w, r.Teams); c != ExitClean {
			code = c
		}
	case !whole:
		var c int
		if c, note = deliverSome(env, o, outs, all, r.Apps); c != ExitClean {
			code = c
		}
	}
	fmt.Fprintln(env.Stderr, report.BuildSummary(len(r.Apps), all)+note)
	if !whole && !o.noCache {
		fmt.Fprintf(env.Stderr, "kiln: cache %d hits, %d misses%s\n", r.Hits, r.Misses, o.remote.summary())
	}
	if !o.noPolicy {
		fmt.Fprintln(env.Stderr, r.Evaluated)
	}
	if !whole {
		if c := wo.Cache.Cache(); c != nil {
			c.Trim(false)
		}
	}
	return code
}

// teamsAsked reports whether a build writes the team namespaces: --emit
// or the configuration's emit names them, or its teams block emits them.
// Asked without a directory for them, the build stops before it writes
// any app.
func teamsAsked(w *workspace.Workspace, artifacts build.Artifacts) bool {
	if artifacts.Namespaces {
		return true
	}
	cfg, err := w.Config()
	return err == nil && cfg.Teams != nil && cfg.Teams.Emit
}

// writeTeams writes the team namespaces, when they are an output, in
// DIR/_namespaces: DIR is -o, else the configuration's outputs. They span
// the apps, so there is no directory beside one definition for them.
func writeTeams(env *Env, o *buildOptions, w *workspace.Workspace, files map[string][]byte) int {
	if files == nil || o.stdout || o.explainOrigin != "" {
		return ExitClean
	}
	dir := o.out
	if dir == "" {
		if cfg, err := w.Config(); err == nil && cfg.Outputs.Value != "" {
			dir = cfg.Path(cfg.Outputs)
		}
	}
	if dir == "" {
		fmt.Fprintf(env.Stderr, "kiln build: the team namespaces span apps and have no directory beside one: give -o DIR, or outputs: in %s\n", config.Name)
		return ExitBadInput
	}
	dir = filepath.Join(dir, workspace.TeamDir)
	if err := emit.WriteTree(dir, files); err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "kiln: wrote %s\n", repofile.Display(dir))
	return ExitClean
}

// outDir is where an app's tree goes: DIR/<app>, DIR being -o or build/
// next to the definition.
func outDir(o *buildOptions, b workspace.BuiltApp) string {
	dir := o.out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(b.Definition), "build")
	}
	return filepath.Join(dir, b.Name)
}

// clashes reports apps that would write the same directory: two apps
// with one name under one -o. Writing both would keep only the last.
func clashes(o *buildOptions, outs []workspace.BuiltApp) diag.List {
	first := map[string]workspace.BuiltApp{}
	var ds diag.List
	for _, b := range outs {
		dir := outDir(o, b)
		prev, dup := first[dir]
		if !dup {
			first[dir] = b
			continue
		}
		ds = append(ds, diag.Diagnostic{Pos: b.NamePos, End: b.NameEnd, Severity: diag.Error, Code: "build/name-clash", Kind: diag.Input, Path: "metadata.name",
			Message: fmt.Sprintf("app %s is also defined in %s; both would be written to %s", b.Name, prev.Definition, dir)})
	}
	return ds
}

// deliver writes the built trees, or prints what --stdout or
// --explain-origin asked for.
func deliver(env *Env, o *buildOptions, outs []workspace.BuiltApp) int {
	if o.explainOrigin != "" {
		return explainOrigin(env, outs[0].Result, o.explainOrigin)
	}
	if o.stdout {
		r := outs[0].Result
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
func writeTrees(env *Env, o *buildOptions, outs []workspace.BuiltApp) (code, written int) {
	code = ExitClean
	for _, b := range outs {
		dir := outDir(o, b)
		if err := emit.WriteTree(dir, b.Files); err != nil {
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
func deliverSome(env *Env, o *buildOptions, outs []workspace.BuiltApp, all diag.List, apps []workspace.BuiltApp) (int, string) {
	ok := withoutErrors(o, outs, all)
	switch {
	case len(ok) == 0 || !o.keepGoing && len(apps) == 1:
		return ExitClean, "; nothing written"
	case outsideApps(all, apps):
		return ExitClean, "; nothing written (the configuration has errors)"
	case !o.keepGoing:
		return ExitClean, fmt.Sprintf("; nothing written (--keep-going writes the %s without errors)", report.Plural(len(ok), "app"))
	}
	code, written := writeTrees(env, o, ok)
	return code, fmt.Sprintf("; wrote %d of %s, not the %d with errors", written, report.Plural(len(apps), "app"), len(apps)-written)
}

// withoutErrors returns the built apps with no error in their own files
// (the definition, the Dockerfile beside it) and no name clash.
func withoutErrors(o *buildOptions, outs []workspace.BuiltApp, all diag.List) []workspace.BuiltApp {
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
	var ok []workspace.BuiltApp
	for _, b := range outs {
		if bad[b.Definition] || b.Dockerfile != "" && bad[b.Dockerfile] || apps[outDir(o, b)] > 1 {
			continue
		}
		ok = append(ok, b)
	}
	return ok
}

// outsideApps reports whether an error lies outside every app's own
// files: in the repository's configuration, say.
func outsideApps(all diag.List, apps []workspace.BuiltApp) bool {
	own := map[string]bool{}
	for _, a := range apps {
		own[a.Definition] = true
		if a.Dockerfile != "" {
			own[a.Dockerfile] = true
		}
	}
	for _, d := range all {
		if d.Severity == diag.Error && d.Waived == "" && (d.Pos.File == nil || !own[d.Pos.File.Name]) {
			return true
		}
	}
	return false
}
