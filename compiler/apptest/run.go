package apptest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/overlay"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// Target is the app a suite tests and how to build it.
type Target struct {
	Doc    *load.Doc // the app definition, loaded
	Schema *schema.Schema
	Build  build.Options // validator, guardrails, Dockerfile; every artifact is built
	// Dockerfile is a hand-written Dockerfile beside the app, for
	// assertions on the dockerfile artifact when spec.build is absent.
	Dockerfile *source.File
	// App is Doc already checked, when the caller has it: cases without
	// settings then skip the schema check.
	App *app.App
}

// Options control Run.
type Options struct {
	Run             *regexp.Regexp // selects cases by name; nil runs all
	UpdateSnapshots bool
}

// A CaseResult is the verdict on one case.
type CaseResult struct {
	Case     *Case
	Skipped  bool      // --run did not select it
	Failures diag.List // at the assertions that failed, in the test file
	// Fired are the rules that fired on the case's app, and Policy the
	// rules its policy assertions named, for coverage.
	Fired  []string
	Policy []PolicyCheck
}

// A PolicyCheck is one policy assertion's rule and whether it asserted
// that the rule fires.
type PolicyCheck struct {
	Rule  string
	Fires bool
}

// Passed reports whether the case ran and every assertion held.
func (r CaseResult) Passed() bool { return !r.Skipped && len(r.Failures) == 0 }

// Run runs the cases of s against t.
func Run(s *Suite, t Target, o Options) []CaseResult {
	snaps := newSnapshots(s.File.Name, o.UpdateSnapshots)
	var out []CaseResult
	for i := range s.Cases {
		c := &s.Cases[i]
		if o.Run != nil && !o.Run.MatchString(c.Name) {
			out = append(out, CaseResult{Case: c, Skipped: true})
			continue
		}
		out = append(out, runCase(c, t, snaps))
	}
	if err := snaps.save(); err != nil {
		out[len(out)-1].Failures = append(out[len(out)-1].Failures, diag.Diagnostic{Pos: s.File.Pos(0), End: s.File.Pos(0),
			Severity: diag.Error, Code: "test/snapshot", Message: "writing the snapshots: " + err.Error()})
	}
	return out
}

// outputs is what one case built: the documents of each artifact, or
// why the build failed.
type outputs struct {
	docs   map[string][]any // by artifact
	errors diag.List        // errors that stopped the build: schema, compile, patch, Kubernetes validation
	failed diag.List        // every error, guardrails' included: what failedBuild matches
	fired  []string
}

func runCase(c *Case, t Target, snaps *snapshots) CaseResult {
	r := CaseResult{Case: c}
	for _, a := range c.Asserts {
		if a.Type == "policy" {
			r.Policy = append(r.Policy, PolicyCheck{Rule: a.Rule, Fires: !a.Not})
		}
	}
	out, err := buildCase(c, t)
	if err != nil {
		r.Failures = append(r.Failures, *err)
		return r
	}
	r.Fired = out.fired
	for i := range c.Asserts {
		a := &c.Asserts[i]
		if msg := check1(a, out, snaps, c.Name, i); msg != "" {
			r.Failures = append(r.Failures, diag.Diagnostic{Pos: a.Pos, End: a.End, Severity: diag.Error, Code: "test/" + a.Type, Message: msg})
		}
	}
	return r
}

// buildCase builds the app with the case's settings, for its environment.
// A case that cannot run (an environment the app lacks, a setting of the
// wrong type) is an error at the case, never a pass.
func buildCase(c *Case, t Target) (*outputs, *diag.Diagnostic) {
	fail := func(pos, end source.Pos, msg string) *diag.Diagnostic {
		return &diag.Diagnostic{Pos: pos, End: end, Severity: diag.Error, Code: "test/cannot-run", Message: msg}
	}
	doc := withSettings(t.Doc, c.Set)
	out := &outputs{docs: map[string][]any{}}
	a, ds := t.App, diag.List(nil)
	if a == nil || len(c.Set) > 0 {
		a, ds = check.Check(doc, t.Schema)
	}
	if ds.HasErrors() {
		out.errors = errorsOf(ds)
		out.failed = out.errors
		return out, nil
	}
	opts := t.Build
	// Build what the case's assertions look at; the SLO rules are part of
	// the manifests whenever the app has an SLA, so that a case sees the
	// same documents whatever it asserts.
	opts.Emit = build.Artifacts{K8s: true, SLO: a.Spec.SLA != nil}
	for _, as := range c.Asserts {
		switch as.Artifact {
		case "dockerfile":
			opts.Emit.Dockerfile = true
		case "helm":
			opts.Emit.Helm = true
		case "catalog":
			opts.Emit.Catalog = true
		}
	}
	res, ds := build.Build(doc, a, opts)
	for _, d := range ds {
		if d.Waived == "" && !slices.Contains(out.fired, d.Code) && !strings.Contains(d.Code, "/") {
			out.fired = append(out.fired, d.Code)
		}
	}
	out.failed = errorsOf(ds)
	for _, d := range out.failed {
		if strings.Contains(d.Code, "/") { // a stage's code; rule ids have none
			out.errors = append(out.errors, d)
		}
	}
	if res == nil || out.errors != nil {
		return out, nil
	}
	env, ok := pickEnv(res, c.Env)
	if !ok {
		var names []string
		for _, e := range res.Envs {
			names = append(names, e.Name)
		}
		if c.Env == "" {
			return nil, fail(c.Pos, c.End, fmt.Sprintf("the app has environments %s: name the one this case tests with env", strings.Join(names, ", ")))
		}
		return nil, fail(c.Pos, c.End, fmt.Sprintf("the app has no environment %s; it has %s", c.Env, strings.Join(names, ", ")))
	}
	for _, o := range env.Objects {
		out.docs["manifests"] = append(out.docs["manifests"], o.Content)
		if o.Kind == "PrometheusRule" {
			out.docs["slo"] = append(out.docs["slo"], o.Content)
		}
	}
	if env.HelmValues != nil {
		out.docs["helm"] = []any{env.HelmValues}
	}
	if res.Catalog != nil {
		out.docs["catalog"] = []any{res.Catalog.Content}
	}
	switch {
	case res.Dockerfile != nil:
		out.docs["dockerfile"] = []any{string(res.Dockerfile)}
	case t.Dockerfile != nil:
		out.docs["dockerfile"] = []any{string(t.Dockerfile.Content)}
	}
	return out, nil
}

func errorsOf(ds diag.List) diag.List {
	var out diag.List
	for _, d := range ds {
		if d.Severity == diag.Error && d.Waived == "" {
			out = append(out, d)
		}
	}
	return out
}

// pickEnv returns the environment a case tests: the one it names, or the
// app's only one.
func pickEnv(res *build.Result, name string) (build.Env, bool) {
	if name == "" {
		if len(res.Envs) == 1 {
			return res.Envs[0], true
		}
		return build.Env{}, false
	}
	if name == overlay.Default && len(res.Envs) == 1 {
		return res.Envs[0], true
	}
	for _, e := range res.Envs {
		if e.Name == name {
			return e, true
		}
	}
	return build.Env{}, false
}

// withSettings returns doc with the case's settings written into a copy of
// its tree. The new values keep their positions in the test file, so a
// setting the schema refuses is reported where the test wrote it.
func withSettings(doc *load.Doc, set []Setting) *load.Doc {
	if len(set) == 0 {
		return doc
	}
	root := clone(doc.Root)
	for _, s := range set {
		n := root
		for i, elem := range s.Path {
			last := i == len(s.Path)-1
			if n.Kind == load.List {
				idx, err := strconv.Atoi(elem)
				if err != nil || idx >= len(n.Items) {
					break
				}
				if last {
					n.Items[idx] = s.Value
				} else {
					n = n.Items[idx]
				}
				continue
			}
			if n.Kind != load.Map {
				n.Kind, n.Scalar, n.Items = load.Map, nil, nil
			}
			f := n.Field(elem)
			if f == nil {
				n.Fields = append(n.Fields, load.Field{Name: elem, KeyPos: s.Pos, KeyEnd: s.End, Value: &load.Node{Kind: load.Map, Pos: s.Pos, End: s.End}})
				f = &n.Fields[len(n.Fields)-1]
			}
			if last {
				f.Value = s.Value
			} else {
				n = f.Value
			}
		}
	}
	return &load.Doc{File: doc.File, Format: doc.Format, Root: root}
}

func clone(n *load.Node) *load.Node {
	c := *n
	c.Fields = make([]load.Field, len(n.Fields))
	for i, f := range n.Fields {
		f.Value = clone(f.Value)
		c.Fields[i] = f
	}
	c.Items = make([]*load.Node, len(n.Items))
	for i, it := range n.Items {
		c.Items[i] = clone(it)
	}
	return &c
}
