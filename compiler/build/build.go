// Package build runs the stages after the schema check for one app: for
// each environment, overlay → compile → patch (→ validate), and positions every finding
// through the source map at the line of the app definition that explains it.
package build

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/alerting"
	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/catalog"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/dashboard"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/helm"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/overlay"
	"github.com/kilnhq/kiln/compiler/patch"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/compiler/waiver"
)

// An Env is one environment's rendered objects and their origins.
type Env struct {
	Name     string
	Objects  []compile.Object
	Origins  *sourcemap.Map
	Resolver sourcemap.Resolver
	// HelmValues render the same objects with kiln's chart, but for
	// spec.patches, which Helm values cannot say; set when Helm is asked for.
	HelmValues map[string]any
	// Alertmanager is the plain Alertmanager configuration snippet that
	// routes the app's alerts in this environment to metadata.contact;
	// set when the alerts output is asked for and the contact is usable.
	Alertmanager []byte
}

// Locate answers "where does this value come from?": given an emitted
// object (Kind/name, see sourcemap.ObjectKey) and a field path in it, it
// returns where the app definition wrote the value, or, for a default, the
// closest field that was written. ok is false for a field kiln sets on its
// own (an apiVersion, a secure default).
func (e Env) Locate(object, field string) (loc sourcemap.Location, ok bool) {
	origin, ok := e.Origins.Origin(object, field)
	if !ok {
		return sourcemap.Location{}, false
	}
	return e.Resolver.Locate(origin), true
}

// Result is everything built for one app.
type Result struct {
	App        *app.App
	Emit       Artifacts
	Base       Env    // the app without overrides, for the kustomize base
	Envs       []Env  // one per environment, sorted by name
	Dockerfile []byte // generated from spec.build, when asked for
	// DockerIgnore is the Dockerfile.dockerignore written beside the
	// generated Dockerfile.
	DockerIgnore []byte
	Catalog      *compile.Object // the catalog entry, when asked for
	// Waived are the guardrail findings waivers exempted, each with the
	// waiver's reason in Waived.
	Waived diag.List
	// Documents is how many documents the guardrails evaluated.
	Documents int
	// RepoWaivers are the indexes of the repository's waivers that
	// exempted a finding of this app.
	RepoWaivers []int
	// SOPS are the Secrets of spec.sopsSecrets, encrypted, as they are
	// in the repository: in every environment, outside Objects.
	SOPS []SOPSSecret
}

// Options control Build.
type Options struct {
	// Validator validates against the Kubernetes version of the base and
	// of every environment that names none (--kube-version).
	Validator *validate.Validator
	Policy    *guard.Bundle // guardrails to run on every environment; nil runs none
	Emit      Artifacts     // what to produce; the zero value produces only what validation needs
	// Dockerfile is a hand-written Dockerfile beside the definition, or nil.
	// Without spec.build, the guardrails check it against the app.
	Dockerfile *source.File
	// Production names the environments the guardrails treat as
	// production; nil means prod and production.
	Production []string
	// Waivers are the repository's waivers; the app's own come from its
	// spec.waivers.
	Waivers *waiver.Set
	// Now is the day waivers are judged on; zero means today.
	Now time.Time
	// Apps finds the other apps of the repository, which spec.dependsOn
	// names; nil finds none, and every dependency is a finding.
	Apps AppFinder
	// Files is where the files the app names beside its definition
	// (spec.files' from, spec.sopsSecrets) are read, relative to Dir, the
	// definition's directory: the repository's source, so that an editor's
	// buffers count and a cache records the reads. Nil reads the disk,
	// inside Dir only; an empty Dir is the definition's directory.
	Files repofile.Source
	Dir   string
	// Context, when set, abandons the build between environments once it
	// is done: an editor's newer keystroke makes this build's answer
	// useless. An abandoned build returns Context's error as an internal
	// diagnostic, which callers must not keep.
	Context context.Context
	// Alerting are the repository's settings for the alerts output (the
	// Secret of the Slack webhook URL).
	Alerting alerting.Settings
	// KubeVersions are the repository's Kubernetes versions by
	// environment (.kiln/config.yaml kubeVersions); an app's own
	// environments.<env>.kubeVersion comes before them.
	KubeVersions map[string]string
}

// Artifacts selects the outputs of a build beyond the Kubernetes objects,
// which are always built (the other outputs derive from them). The outputs
// themselves, their names and files, are compiler/emit's registry
// (emit.Registry), whose entries set these fields; emit.Parse reads them
// from --emit's list.
type Artifacts struct {
	K8s        bool // rendered manifests and the kustomize base and overlays
	Dockerfile bool // the Dockerfile of spec.build, or the check of a hand-written one
	Catalog    bool // catalog-info.yaml
	SLO        bool // a PrometheusRule with the SLA's alerts, in every environment
	Helm       bool // values for kiln's generic Helm chart, per environment
	Alerts     bool // an AlertmanagerConfig and an Alertmanager route routing the app's alerts to metadata.contact
	// Dashboard adds a Grafana dashboard per environment, as a
	// GrafanaDashboard; it builds the SLO output too, whose rules record
	// the series the dashboard reads.
	Dashboard bool
	// Namespaces are the namespaces of the owner teams, built across apps
	// (package team) by the workspace; an app's build has no part of its own.
	Namespaces bool
}

// Build compiles a, checked from doc, for each of its environments.
func Build(doc *load.Doc, a *app.App, opts Options) (*Result, diag.List) {
	res := &Result{App: a, Emit: opts.Emit}
	opts.Apps = opts.Apps.once() // each environment asks again
	files := newRepoFiles(doc, opts)
	g, ds := newGuard(doc, a, opts)
	// With environments declared, the base is no environment of its own:
	// the guardrails judge each environment, not the base.
	baseGuard := g
	if len(a.Spec.Environments) > 0 {
		baseGuard = nil
	}
	base, more, err := one(doc, a, "", opts, baseGuard, res, files)
	if err != nil {
		return nil, diag.List{internal(doc, err)}
	}
	res.Base = base
	baseFindings := more
	envs := overlay.Environments(a)
	var perEnv []diag.List
	for _, name := range envs {
		if name == overlay.Default && len(a.Spec.Environments) == 0 {
			env := base
			env.Name = name
			res.Envs = append(res.Envs, env)
			continue
		}
		if opts.Context != nil && opts.Context.Err() != nil {
			return nil, diag.List{internal(doc, opts.Context.Err())}
		}
		env, more, err := one(doc, a, name, opts, g, res, files)
		if err != nil {
			return nil, diag.List{internal(doc, err)}
		}
		res.Envs = append(res.Envs, env)
		perEnv = append(perEnv, more)
	}
	ds = append(ds, shareWithBase(baseFindings, perEnv, envs, ownVersions(a, envs, opts))...)
	var sops diag.List
	res.SOPS, sops = files.sopsSecrets(doc, a)
	ds = append(ds, sops...)
	more, err = artifacts(doc, res, opts)
	if err != nil {
		return nil, diag.List{internal(doc, err)}
	}
	ds = append(ds, more...)
	if g != nil {
		ds = append(ds, g.waivers.Check(g.known, true)...)
	}
	res.Waived = res.Waived.Sort()
	return res, ds.Sort()
}

// shareWithBase reports the base's findings and the environments': a
// finding an environment shares with the base once, as the base's. When
// environments are validated against Kubernetes versions of their own
// (versioned), a validation finding only some of them share with the base
// is theirs, named with them: another version may accept what the base's
// refuses.
func shareWithBase(base diag.List, perEnv []diag.List, envs []string, versioned bool) diag.List {
	key := func(d diag.Diagnostic) string {
		msg := d.Message
		if versioned && strings.HasPrefix(d.Code, "kube/") {
			// "would be rejected by Kubernetes 1.35" is the same mistake
			// as the base's "... 1.37".
			msg = verdictVersion.ReplaceAllString(msg, "Kubernetes")
		}
		return d.Code + "\x00" + d.Path + "\x00" + msg
	}
	in := map[string]int{} // how many environments have each finding
	for _, ds := range perEnv {
		for k := range keys(ds, key) {
			in[k]++
		}
	}
	seen := map[string]bool{}
	var out diag.List
	for _, d := range base {
		if n := in[key(d)]; versioned && strings.HasPrefix(d.Code, "kube/") && n > 0 && n < len(perEnv) {
			continue // reported with the environments that have it
		}
		seen[key(d)] = true
		out = append(out, d)
	}
	for i := range perEnv {
		perEnv[i] = slices.DeleteFunc(perEnv[i], func(d diag.Diagnostic) bool { return seen[key(d)] })
	}
	return append(out, merge(perEnv, envs)...)
}

// verdictVersion is the version in a validation finding's verdict.
var verdictVersion = regexp.MustCompile(`Kubernetes [0-9]+\.[0-9]+`)

// ownVersions reports whether an environment of a has a Kubernetes
// version other than the base's.
func ownVersions(a *app.App, envs []string, opts Options) bool {
	for _, env := range envs {
		if v, err := validatorFor(a, env, opts); err == nil && v != opts.Validator {
			return true
		}
	}
	return false
}

// keys is the set of ds's keys.
func keys(ds diag.List, key func(diag.Diagnostic) string) map[string]bool {
	out := map[string]bool{}
	for _, d := range ds {
		out[key(d)] = true
	}
	return out
}

// merge reports a finding several environments share once, with the
// environments that have it when not all of them do.
func merge(perEnv []diag.List, envs []string) diag.List {
	type group struct {
		d    diag.Diagnostic
		envs []string
	}
	var order []string
	groups := map[string]*group{}
	for i, ds := range perEnv {
		for _, d := range ds {
			k := fmt.Sprint(d.Pos.Offset, "\x00", d.Code, "\x00", d.Path, "\x00", d.Message)
			if groups[k] == nil {
				groups[k] = &group{d: d}
				order = append(order, k)
			}
			if !slices.Contains(groups[k].envs, envs[i]) {
				groups[k].envs = append(groups[k].envs, envs[i])
			}
		}
	}
	var out diag.List
	for _, k := range order {
		g := groups[k]
		// Reported once: for the environments that have it when not all
		// of them do.
		g.d.Environments = nil
		if len(g.envs) != len(perEnv) {
			g.d.Environments = slices.Sorted(slices.Values(g.envs))
		}
		out = append(out, g.d)
	}
	return out
}

// artifacts builds what derives from the app beside the Kubernetes objects.
func artifacts(doc *load.Doc, res *Result, opts Options) (diag.List, error) {
	var ds diag.List
	a := res.App
	if opts.Emit.Dockerfile {
		switch {
		case a.Spec.Build != nil:
			b, err := dockerfile.Generate(a)
			if err != nil {
				return nil, err
			}
			res.Dockerfile = b
			res.DockerIgnore = dockerfile.Ignore(a)
		}
	}
	if opts.Emit.Helm && len(a.Spec.Patches) > 0 {
		pos, end, _ := doc.Locate([]string{"spec", "patches"})
		ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Path: "spec.patches", Severity: diag.Warning, Code: "build/helm-patches", Kind: diag.Finding,
			Message: "the Helm values leave out spec.patches, which Helm values cannot express; apply the rendered manifests or kustomize overlays to get them"})
	}
	if opts.Emit.Helm && len(res.SOPS) > 0 {
		pos, end, _ := doc.Locate([]string{"spec", "sopsSecrets"})
		ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Path: "spec.sopsSecrets", Severity: diag.Warning, Code: "build/helm-sops", Kind: diag.Finding,
			Message: "the Helm values leave out spec.sopsSecrets, which Helm cannot decrypt; apply them with the rendered manifests or kustomize (Flux, ksops), or use externalSecrets"})
	}
	if opts.Emit.Helm && opts.Emit.Alerts && a.Metadata.Contact != "" {
		pos, end, _ := doc.Locate([]string{"metadata", "contact"})
		ds = append(ds, diag.Diagnostic{Pos: pos, End: end, Path: "metadata.contact", Severity: diag.Warning, Code: "build/helm-alerts", Kind: diag.Finding,
			Message: "the Helm values leave out the AlertmanagerConfig, which kiln's chart does not render; apply alerts/<env>.yaml beside the release"})
	}
	if opts.Emit.Helm && opts.Emit.Dashboard {
		ds = append(ds, helmDashboard(doc))
	}
	if opts.Emit.Catalog {
		entry := catalog.Entry(a)
		res.Catalog = &entry
	}
	return ds, nil
}

func one(doc *load.Doc, a *app.App, env string, opts Options, g *guardrun, res *Result, files *repoFiles) (Env, diag.List, error) {
	r := sourcemap.Resolver{Doc: doc, Env: env}
	merged := overlay.Apply(a, env)
	deps, depFindings := callees(merged, env, opts.Apps)
	contents, unread := files.configFiles(merged)
	validator, err := validatorFor(a, env, opts)
	if err != nil {
		return Env{}, nil, err
	}
	c, err := compile.Compile(merged, compile.Options{SLO: opts.Emit.SLO || opts.Emit.Dashboard, Env: env, Callees: deps, KubeVersion: validator.Version(), Files: contents})
	if err != nil {
		return Env{}, nil, err
	}
	c.Findings = append(append(unread, c.Findings...), depFindings...)
	if opts.Emit.Dashboard && (env != "" || len(a.Spec.Environments) == 0) {
		if err := addDashboard(c, merged, env); err != nil {
			return Env{}, nil, err
		}
	}
	var values map[string]any
	if opts.Emit.Helm {
		if values, err = helm.Values(c.Objects); err != nil {
			return Env{}, nil, err
		}
	}
	var routing []byte
	if opts.Emit.Alerts {
		if routing, err = alertRouting(merged, env, c, opts.Alerting); err != nil {
			return Env{}, nil, err
		}
	}
	objs, pf, err := patch.ApplyExcept(c.Objects, a.Spec.Patches, c.Origins, unbuilt(opts.Emit, env == "" && len(a.Spec.Environments) > 0))
	if err != nil {
		return Env{}, nil, err
	}
	findings := append(c.Findings, pf...)
	// A field one stage already found fault with needs no second message
	// from a later one: not from the API server's rules, nor from a
	// guardrail.
	explained := map[string]bool{}
	for _, f := range findings {
		explained[strings.Join(f.Path, "\x00")] = true
	}
	// An object the base or another environment already had, byte for
	// byte, is not checked again: the Validator answers it from memory.
	// Only the answer is shared; it is positioned here, through this
	// environment's origins.
	for _, o := range objs {
		for _, v := range validator.Validate(o) {
			if v.Code == validate.RemovedCode && opts.Policy != nil {
				continue // the removed-api guardrail says it, waivably, at each environment's version
			}
			f := invalid(o, v, c.Origins, validator.Version())
			f.Line = patchLine(a.Spec.Patches, f.Path, v.Path)
			if !explained[strings.Join(f.Path, "\x00")] {
				findings = append(findings, f)
			}
		}
	}
	var ds diag.List
	for _, f := range findings {
		explained[strings.Join(f.Path, "\x00")] = true
		loc := r.Locate(f.Path)
		if f.Line > 0 { // a line of a patch's text
			if pos, end, ok := doc.LocateLine(loc.Path, f.Line); ok {
				loc.Pos, loc.End = pos, end
			}
		}
		ds = append(ds, diag.Diagnostic{Pos: loc.Pos, End: loc.End, Severity: f.Severity, Code: f.Code,
			Message: f.Message, Path: fieldpath.String(loc.Path), Kind: f.Kind})
	}
	if g != nil {
		gds, err := g.run(merged, env, validator.Version(), objs, c.Origins, r, explained, res)
		if err != nil {
			return Env{}, nil, err
		}
		ds = append(ds, gds...)
	}
	return Env{Name: env, Objects: objs, Origins: c.Origins, Resolver: r, HelmValues: values, Alertmanager: routing}, ds, nil
}

// unbuilt are the kinds of the outputs a build leaves out, which a patch
// may target all the same: a patch of the GrafanaDashboard applies when
// the dashboard is built (kiln build --emit dashboard), and a build
// without it (kiln build, kiln check, the editor) passes over it. The
// kustomize base of an app with environments (base) has no
// GrafanaDashboard either: see addDashboard.
func unbuilt(emit Artifacts, base bool) []string {
	var kinds []string
	if !emit.Dashboard || base {
		kinds = append(kinds, dashboard.Kind)
	}
	if !emit.Alerts {
		kinds = append(kinds, AlertmanagerKind)
	}
	if !emit.SLO && !emit.Dashboard {
		kinds = append(kinds, "ServiceMonitor", "PrometheusRule")
	}
	return kinds
}

// validatorFor returns the validator of env's Kubernetes version: the
// app's environments.<env>.kubeVersion, else the repository's
// kubeVersions, else opts.Validator's. The base of an app without
// environments is its default environment.
func validatorFor(a *app.App, env string, opts Options) (*validate.Validator, error) {
	if env == "" && len(a.Spec.Environments) == 0 {
		env = overlay.Default
	}
	version := opts.KubeVersions[env]
	if o, ok := a.Spec.Environments[env]; ok && o.KubeVersion != "" {
		version = o.KubeVersion
	}
	if version == "" || version == opts.Validator.Version() {
		return opts.Validator, nil
	}
	return validate.For(version)
}

// invalid turns a schema violation in an emitted object into a finding at
// the app field that produced the field, or the closest one that did.
func invalid(o compile.Object, v validate.Violation, origins *sourcemap.Map, version string) compile.Finding {
	sev := diag.Error
	if v.Warning {
		sev = diag.Warning
	}
	msg := fmt.Sprintf("%s %s: %s: %s", o.Key(), v.Verdict(version), v.Path, v.Message)
	if v.Code == validate.RemovedCode {
		// The release that removed it is what matters, not each
		// environment's: said once for all the environments it holds in.
		msg = fmt.Sprintf("%s: %s", o.Key(), v.Message)
	}
	return compile.Finding{Path: originOf(origins, o.Key(), v.Path), Severity: sev, Code: v.Code, Kind: diag.Finding, Message: msg}
}

// patchLine is, for a finding at a patch (origin spec.patches[i].patch),
// the line of the patch that wrote field; 0 otherwise.
func patchLine(patches []app.Patch, origin []string, field string) int {
	if len(origin) != 4 || origin[0] != "spec" || origin[1] != "patches" || origin[3] != "patch" {
		return 0
	}
	i, err := strconv.Atoi(origin[2])
	if err != nil || i < 0 || i >= len(patches) {
		return 0
	}
	return patch.Line(patches[i].Patch, fieldpath.Parse(field))
}

// originOf returns the app field that explains field of object obj: the
// one recorded for it or the closest enclosing field, unless a patch
// changed something inside it, which is then the likelier cause.
func originOf(origins *sourcemap.Map, obj, field string) []string {
	origin, ok := origins.Origin(obj, field)
	if !ok || len(origin) < 2 {
		// Nothing, or only a whole section such as spec, explains the
		// field: the section its neighbours come from says more.
		if n := nearest(origins, obj, field); n != nil {
			origin = n
		} else if !ok {
			origin = []string{"spec"}
		}
	}
	for _, below := range origins.Below(obj, field) {
		if len(below) > 1 && below[0] == "spec" && below[1] == "patches" {
			return below
		}
	}
	return origin
}

// nearest explains a field nothing was recorded for (one kiln does not
// set, such as an Ingress's missing spec.tls) by the section of the app
// (spec.ingress) that most of the recorded fields near it come from: those
// under the closest enclosing field that has any; nil without one.
func nearest(origins *sourcemap.Map, obj, field string) []string {
	for p := sourcemap.Parent(field); p != ""; p = sourcemap.Parent(p) {
		votes := map[string]int{}
		best := ""
		for _, o := range origins.Below(obj, p) {
			if len(o) < 2 {
				continue
			}
			k := o[0] + "\x00" + o[1]
			votes[k]++
			if best == "" || votes[k] > votes[best] || (votes[k] == votes[best] && k < best) {
				best = k
			}
		}
		if best != "" {
			return strings.Split(best, "\x00")
		}
	}
	return nil
}

// IsBadInput reports whether d means the app could not be checked (a
// patch that cannot apply, a policy that fails), rather than a finding
// about valid output: an unchecked error (diag.Diagnostic.Unchecked).
func IsBadInput(d diag.Diagnostic) bool {
	return d.Unchecked()
}

func internal(doc *load.Doc, err error) diag.Diagnostic {
	var policy *guard.EvalError
	if errors.As(err, &policy) {
		return policy.Diagnostic()
	}
	return diag.Diagnostic{Pos: doc.Root.Pos, End: doc.Root.Pos, Severity: diag.Error, Code: "internal", Kind: diag.Internal,
		Message: "kiln could not build this app (please report this): " + err.Error()}
}
