package apptest

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// A CUESuite is a kiln_test.cue: CUE constraints unified with the app's
// outputs. Each top-level field is an emitted object named by its kind in
// lower camel case (deployment, service, horizontalPodAutoscaler, ...);
// constraints under environments.<name> hold in that environment only,
// the others in every one:
//
//	deployment: spec: template: spec: securityContext: runAsNonRoot: true
//	environments: prod: deployment: spec: replicas: >=3
//
// Every environment is one case; a conflict is reported at the constraint,
// with CUE's path.
type CUESuite struct {
	File  *source.File
	value cue.Value
	ctx   *cue.Context
	Cases []Case // one per environment, filled by RunCUE
}

// ParseCUE compiles a kiln_test.cue; a syntax error is positioned.
func ParseCUE(f *source.File) (*CUESuite, diag.List) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(f.Content, cue.Filename(f.Name))
	if err := v.Err(); err != nil {
		return nil, cueDiags(f, err, f.Pos(0), "test/invalid")
	}
	return &CUESuite{File: f, value: v, ctx: ctx}, nil
}

// RunCUE checks the constraints against every environment of t's app.
func RunCUE(s *CUESuite, t Target, o Options) []CaseResult {
	a, ds := check.Check(t.Doc, t.Schema)
	if ds.HasErrors() {
		c := &Case{Name: "kiln_test.cue", Pos: s.File.Pos(0), End: s.File.Pos(0)}
		return []CaseResult{{Case: c, Failures: diag.List{{Pos: c.Pos, End: c.End, Severity: diag.Error, Code: "test/cannot-run",
			Message: "the app does not build: " + errorsOf(ds)[0].Message}}}}
	}
	opts := t.Build
	opts.Emit = build.Artifacts{K8s: true, SLO: a.Spec.SLA != nil}
	res, ds := build.Build(t.Doc, a, opts)
	var out []CaseResult
	if res == nil || ds.HasErrors() {
		c := &Case{Name: "kiln_test.cue", Pos: s.File.Pos(0), End: s.File.Pos(0)}
		msg := "the app does not build"
		if e := errorsOf(ds); len(e) > 0 {
			msg += ": " + e[0].Message
		}
		return []CaseResult{{Case: c, Failures: diag.List{{Pos: c.Pos, End: c.End, Severity: diag.Error, Code: "test/cannot-run", Message: msg}}}}
	}
	common := s.value
	if s.value.LookupPath(cue.ParsePath("environments")).Exists() {
		var fields []string
		it, _ := s.value.Fields()
		for it.Next() {
			if name := it.Selector().String(); name != "environments" {
				fields = append(fields, name)
			}
		}
		common = s.ctx.CompileString("{}")
		for _, f := range fields {
			common = common.FillPath(cue.ParsePath(f), s.value.LookupPath(cue.ParsePath(f)))
		}
	}
	for _, env := range res.Envs {
		c := &Case{Name: "kiln_test.cue (" + env.Name + ")", Env: env.Name, Pos: s.File.Pos(0), End: s.File.Pos(0)}
		if o.Run != nil && !o.Run.MatchString(c.Name) {
			out = append(out, CaseResult{Case: c, Skipped: true})
			continue
		}
		objects := map[string]any{}
		for _, obj := range env.Objects {
			key := lowerFirst(obj.Kind)
			if _, dup := objects[key]; !dup {
				objects[key] = obj.Content
			}
		}
		r := CaseResult{Case: c}
		r.Failures = missingKinds(s, common, objects, env.Name)
		u := common.Unify(s.ctx.Encode(objects))
		if envc := s.value.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(env.Name))); envc.Exists() {
			u = u.Unify(envc)
		}
		if err := u.Validate(cue.Concrete(true)); err != nil && r.Failures == nil {
			r.Failures = cueDiags(s.File, err, c.Pos, "test/cue")
		}
		out = append(out, r)
	}
	return out
}

// missingKinds reports constraints on an object the environment does not
// emit, which CUE alone would call an incomplete value.
func missingKinds(s *CUESuite, common cue.Value, objects map[string]any, env string) diag.List {
	var have []string
	for k := range objects {
		have = append(have, k)
	}
	slices.Sort(have)
	var ds diag.List
	check := func(v cue.Value) {
		it, err := v.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			name := it.Selector().String()
			if name == "environments" || objects[name] != nil {
				continue
			}
			pos := s.File.Pos(0)
			if p := it.Value().Pos(); p.IsValid() && p.Filename() == s.File.Name {
				pos = s.File.PosAt(p.Line(), p.Column())
			}
			ds = append(ds, diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: "test/cue",
				Message: fmt.Sprintf("environment %s emits no %s (it emits %s)", env, name, strings.Join(have, ", "))})
		}
	}
	check(common)
	check(s.value.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(env))))
	return ds
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// cueDiags positions CUE's errors in the test file, with CUE's path.
func cueDiags(f *source.File, err error, fallback source.Pos, code string) diag.List {
	var ds diag.List
	for _, e := range cueerrors.Errors(err) {
		pos := fallback
		for _, p := range append([]token.Pos{e.Position()}, e.InputPositions()...) {
			if p.IsValid() && p.Filename() == f.Name {
				pos = f.PosAt(p.Line(), p.Column())
				break
			}
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if path := strings.Join(e.Path(), "."); path != "" {
			msg = path + ": " + msg
		}
		ds = append(ds, diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: code, Message: msg})
	}
	return ds
}
