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
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/overlay"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/suggest"
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
	// Root is the repository root the snapshots must resolve inside
	// (see repofile); empty confines them nowhere.
	Root string
	// Eval bounds the evaluation of a kiln_test.cue: its Sandbox,
	// EvalTimeout, Memory and Context (see load.Evaluate).
	Eval load.Options
}

// A CaseResult is the verdict on one case.
type CaseResult struct {
	Case     *Case
	Skipped  bool      // --run did not select it
	Failures diag.List // at the assertions that failed, in the test file
	// Policy are the rules its policy assertions named, for coverage.
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
	snaps := newSnapshots(s.File.Name, o.Root, o.UpdateSnapshots)
	memo := builds{}
	var out []CaseResult
	for i := range s.Cases {
		c := &s.Cases[i]
		if o.Run != nil && !o.Run.MatchString(c.Name) {
			out = append(out, CaseResult{Case: c, Skipped: true})
			continue
		}
		out = append(out, runCase(c, t, snaps, memo))
	}
	if err := snaps.save(); err != nil {
		out[len(out)-1].Failures = append(out[len(out)-1].Failures, diag.Diagnostic{Pos: s.File.Pos(0), End: s.File.Pos(0),
			Severity: diag.Error, Code: "test/snapshot", Kind: diag.Internal, Message: "writing the snapshots: " + err.Error()})
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

// builds are a suite's builds of the app as it is, by the artifacts they
// emit: cases without settings that look at the same artifacts differ
// only in their assertions, so the app is built once for all of them.
// A build is a function of the definition and the options, which one
// suite shares.
type builds map[build.Artifacts]built

type built struct {
	res *build.Result
	ds  diag.List
}

func (m builds) build(doc *load.Doc, a *app.App, opts build.Options, settings bool) (*build.Result, diag.List) {
	if settings {
		return build.Build(doc, a, opts)
	}
	b, ok := m[opts.Emit]
	if !ok {
		b.res, b.ds = build.Build(doc, a, opts)
		m[opts.Emit] = b
	}
	return b.res, slices.Clone(b.ds)
}

func runCase(c *Case, t Target, snaps *snapshots, memo builds) CaseResult {
	r := CaseResult{Case: c}
	expectsFailure := false
	for _, a := range c.Asserts {
		switch a.Type {
		case "policy":
			r.Policy = append(r.Policy, PolicyCheck{Rule: a.Rule, Fires: !a.Not})
		case "failedBuild":
			expectsFailure = true
		}
	}
	out, ds := buildCase(c, t, memo)
	if ds != nil {
		r.Failures = ds
		return r
	}
	if out.errors != nil && !expectsFailure {
		// Nothing can be asserted of an app that does not build: say why
		// once, at the setting that broke it when a setting did, rather
		// than at every assertion.
		r.Failures = buildErrors(c, out.errors)
		return r
	}
	for i := range c.Asserts {
		a := &c.Asserts[i]
		msg := ""
		if a.Type == "policy" {
			msg = unknownRule(a.Rule, t)
		}
		if msg == "" {
			msg = check1(a, out, snaps, c.Name, i)
		}
		if msg != "" {
			r.Failures = append(r.Failures, diag.Diagnostic{Pos: a.Pos, End: a.End, Severity: diag.Error, Code: "test/" + a.Type, Message: msg, Kind: diag.Finding})
		}
	}
	return r
}

// buildErrors reports the errors that stopped a case's build: each one
// the test file caused (a set value the schema refuses) at its place in
// the test file, the others once at the case.
func buildErrors(c *Case, errs diag.List) diag.List {
	var out diag.List
	var other []string
	file := c.Pos.File
	for _, d := range errs {
		if file != nil && d.Pos.File == file {
			out = append(out, diag.Diagnostic{Pos: d.Pos, End: d.End, Severity: diag.Error, Code: "test/set", Kind: diag.Input,
				Message: fmt.Sprintf("the case's set makes the app invalid: %s [%s]", d.Message, d.Code)})
			continue
		}
		other = append(other, fmt.Sprintf("%s [%s]", d.Message, d.Code))
	}
	if len(other) > 0 {
		msg := "the app does not build, so no assertion can run: " + other[0]
		if len(other) > 1 {
			msg = "the app does not build, so no assertion can run:\n" + strings.Join(other, "\n")
		}
		out = append(out, diag.Diagnostic{Pos: c.Pos, End: c.End, Severity: diag.Error, Code: "test/cannot-run", Kind: diag.Input, Message: msg})
	}
	return out
}

// unknownRule says why a policy assertion's rule cannot be judged: no
// rule of that id is loaded (a typo would otherwise make not: true pass),
// or it is disabled and so never fires.
func unknownRule(id string, t Target) string {
	b := t.Build.Policy
	if b == nil {
		return fmt.Sprintf("no guardrails are loaded, so rule %s cannot fire; the assertion cannot run", id)
	}
	var ids []string
	for _, r := range b.Rules() {
		if r.ID == id {
			return ""
		}
		ids = append(ids, r.ID)
	}
	if b.Known(id) {
		return fmt.Sprintf("rule %s is disabled in this repository, so it never fires; the assertion cannot run", id)
	}
	msg := fmt.Sprintf("no rule %s is loaded", id)
	if s := suggest.Closest(id, ids); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return msg + " (kiln rules lists them), so the assertion cannot run"
}

// buildCase builds the app with the case's settings, for its environment.
// A case that cannot run (an environment the app lacks, a setting that
// does not apply) is an error at the case, never a pass.
func buildCase(c *Case, t Target, memo builds) (*outputs, diag.List) {
	fail := func(pos, end source.Pos, msg string) diag.List {
		return diag.List{{Pos: pos, End: end, Severity: diag.Error, Code: "test/cannot-run", Kind: diag.Input, Message: msg}}
	}
	doc, bad := withSettings(t.Doc, c.Set)
	if bad != nil {
		return nil, bad
	}
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
	envs := overlay.Environments(a)
	switch {
	case c.Env == "" && len(envs) > 1:
		return nil, fail(c.Pos, c.End, fmt.Sprintf("the app has environments %s: name the one this case tests with env", strings.Join(envs, ", ")))
	case c.Env != "" && !slices.Contains(envs, c.Env) && !(c.Env == overlay.Default && len(envs) == 1):
		return nil, fail(c.Pos, c.End, fmt.Sprintf("the app has no environment %s; it has %s", c.Env, strings.Join(envs, ", ")))
	}
	opts := t.Build
	// Build what the case's assertions look at; the SLO rules are part of
	// the manifests whenever the app has an SLA, so that a case sees the
	// same documents whatever it asserts.
	opts.Emit = build.Artifacts{K8s: true, SLO: a.Spec.SLA != nil}
	for _, as := range c.Asserts {
		if art, ok := emit.LookupTest(as.Artifact); ok {
			art.Select(&opts.Emit)
		}
	}
	res, ds := memo.build(doc, a, opts, len(c.Set) > 0)
	// Findings and errors of the other environments are no concern of
	// this case's policy and failedBuild assertions.
	ds = slices.DeleteFunc(ds, func(d diag.Diagnostic) bool { return !inEnv(d, c.Env, envs) })
	// A rule's verdict is what policy assertions judge; any other error
	// (a patch that cannot apply, an invalid object) fails the build.
	isRule := func(d diag.Diagnostic) bool {
		if t.Build.Policy == nil || d.Kind != diag.Finding {
			return false
		}
		_, ok := t.Build.Policy.Rule(d.Code)
		return ok
	}
	for _, d := range ds {
		if d.Waived == "" && !slices.Contains(out.fired, d.Code) && isRule(d) {
			out.fired = append(out.fired, d.Code)
		}
	}
	out.failed = errorsOf(ds)
	for _, d := range out.failed {
		if !isRule(d) {
			out.errors = append(out.errors, d)
		}
	}
	if res == nil || out.errors != nil {
		return out, nil
	}
	env, ok := pickEnv(res, c.Env)
	if !ok {
		return nil, fail(c.Pos, c.End, fmt.Sprintf("the app has no environment %s", c.Env))
	}
	for _, art := range emit.Registry() {
		if docs := art.Documents(res, env); docs != nil {
			out.docs[art.TestName()] = docs
		}
	}
	// A hand-written Dockerfile beside the definition is the app's
	// Dockerfile when spec.build generates none.
	if out.docs["dockerfile"] == nil && t.Dockerfile != nil {
		out.docs["dockerfile"] = []any{string(t.Dockerfile.Content)}
	}
	return out, nil
}

// inEnv reports whether a finding of the build concerns environment env:
// the build names the environments of a finding that only some of them
// have; one that names none concerns every environment.
func inEnv(d diag.Diagnostic, env string, envs []string) bool {
	if env == "" || len(envs) < 2 || len(d.Environments) == 0 {
		return true
	}
	return slices.Contains(d.Environments, env)
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
// setting the schema refuses is reported where the test wrote it. A
// setting that cannot apply (an index past a list's end, a field of a
// scalar) is an error at the setting.
func withSettings(doc *load.Doc, set []Setting) (*load.Doc, diag.List) {
	if len(set) == 0 {
		return doc, nil
	}
	root := clone(doc.Root)
	var ds diag.List
	for _, s := range set {
		if why := apply(root, s); why != "" {
			ds = append(ds, diag.Diagnostic{Pos: s.Pos, End: s.End, Severity: diag.Error, Code: "test/set", Kind: diag.Input,
				Message: fmt.Sprintf("set %s: %s, so the case cannot run", s.Path, why)})
		}
	}
	if ds != nil {
		return nil, ds
	}
	return &load.Doc{File: doc.File, Format: doc.Format, Root: root}, nil
}

// apply writes one setting into the tree at root, creating the maps its
// path names that do not exist yet, or says why it cannot.
func apply(root *load.Node, s Setting) string {
	n := root
	for i, st := range s.steps {
		at := place(s.steps[:i])
		if st.Field != "" && n.Kind == load.List {
			// spec.env.0.value: a number names a list element, as in
			// kiln's own field paths.
			idx, err := strconv.Atoi(st.Field)
			if err != nil || idx < 0 {
				return fmt.Sprintf("%s is a list, which has no field %q", at, st.Field)
			}
			st = fieldpath.Step{Index: idx}
		}
		var slot **load.Node
		switch {
		case st.Field != "":
			if n.Kind == load.Null {
				n.Kind, n.Scalar = load.Map, nil
			}
			if n.Kind != load.Map {
				return fmt.Sprintf("%s is %s, which has no fields", at, what(n))
			}
			f := n.Field(st.Field)
			if f == nil && i < len(s.steps)-1 && s.steps[i+1].Field == "" {
				return fmt.Sprintf("%s has no field %q to index", at, st.Field)
			}
			if f == nil {
				n.Fields = append(n.Fields, load.Field{Name: st.Field, KeyPos: s.Pos, KeyEnd: s.End, Value: &load.Node{Kind: load.Null, Pos: s.Pos, End: s.End}})
				f = &n.Fields[len(n.Fields)-1]
			}
			slot = &f.Value
		case st.Key != "":
			if n.Kind != load.List {
				return fmt.Sprintf("%s is %s, not a list", at, what(n))
			}
			for j, it := range n.Items {
				if f := it.Field(st.Key); it.Kind == load.Map && f != nil && f.Value.Kind != load.Map && f.Value.Kind != load.List && fmt.Sprint(f.Value.Scalar) == st.Value {
					slot = &n.Items[j]
					break
				}
			}
			if slot == nil {
				return fmt.Sprintf("%s has no element with %s=%s", at, st.Key, st.Value)
			}
		default:
			if n.Kind != load.List {
				return fmt.Sprintf("%s is %s, not a list", at, what(n))
			}
			if st.Index >= len(n.Items) {
				return fmt.Sprintf("%s has %d elements, no [%d]", at, len(n.Items), st.Index)
			}
			slot = &n.Items[st.Index]
		}
		if i == len(s.steps)-1 {
			*slot = s.Value
		} else {
			n = *slot
		}
	}
	return ""
}

// place names where a path reached, for a message.
func place(p fieldpath.Path) string {
	if len(p) == 0 {
		return "the document"
	}
	return p.String()
}

// what names a node's value for a message.
func what(n *load.Node) string {
	switch n.Kind {
	case load.Map:
		return "a map"
	case load.List:
		return "a list"
	}
	return n.String()
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
