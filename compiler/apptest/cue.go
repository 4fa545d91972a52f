package apptest

import (
	"fmt"
	"regexp"
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
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/overlay"
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
	v := ctx.CompileBytes(f.LF(), cue.Filename(f.Name))
	if err := v.Err(); err != nil {
		ds, _ := cueDiags(f, err, f.Pos(0), "test/invalid", diag.Input)
		return nil, ds
	}
	return &CUESuite{File: f, value: v, ctx: ctx}, nil
}

// RunCUE checks the constraints against every environment of t's app,
// in this process.
func RunCUE(s *CUESuite, t Target, o Options) []CaseResult {
	envs, buildErr := cueTargets(t)
	return s.run(envs, buildErr, o.Run)
}

// A cueEnv is what one environment emits, by kind in lower camel case.
type cueEnv struct {
	Name    string
	Objects map[string][]any
}

// cueTargets builds t's app for a CUE suite: its environments' objects,
// or why it does not build.
func cueTargets(t Target) ([]cueEnv, string) {
	a, ds := check.Check(t.Doc, t.Schema)
	if ds.HasErrors() {
		return nil, "the app does not build: " + errorsOf(ds)[0].Message
	}
	opts := t.Build
	opts.Emit = build.Artifacts{K8s: true, SLO: a.Spec.SLA != nil}
	res, ds := build.Build(t.Doc, a, opts)
	if res == nil || ds.HasErrors() {
		msg := "the app does not build"
		if e := errorsOf(ds); len(e) > 0 {
			msg += ": " + e[0].Message
		}
		return nil, msg
	}
	var envs []cueEnv
	for _, env := range res.Envs {
		objects := map[string][]any{}
		for _, obj := range env.Objects {
			key := lowerFirst(obj.Kind)
			objects[key] = append(objects[key], obj.Content)
		}
		envs = append(envs, cueEnv{Name: env.Name, Objects: objects})
	}
	return envs, ""
}

// run checks the constraints against envs, selecting cases with run.
func (s *CUESuite) run(envs []cueEnv, buildErr string, run *regexp.Regexp) []CaseResult {
	if buildErr != "" {
		c := &Case{Name: "kiln_test.cue", Pos: s.File.Pos(0), End: s.File.Pos(0)}
		return []CaseResult{{Case: c, Failures: diag.List{{Pos: c.Pos, End: c.End, Severity: diag.Error, Code: "test/cannot-run", Kind: diag.Input, Message: buildErr}}}}
	}
	var out []CaseResult
	common := s.value
	envsV := s.value.LookupPath(cue.ParsePath("environments"))
	if envsV.Exists() {
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
	var names []string
	for _, env := range envs {
		names = append(names, env.Name)
	}
	// Constraints for an environment the app lacks would hold nowhere.
	if it, err := envsV.Fields(); envsV.Exists() && err == nil {
		for it.Next() {
			name := it.Selector().Unquoted()
			if slices.Contains(names, name) || (name == overlay.Default && len(names) == 1) {
				continue
			}
			c := &Case{Name: "kiln_test.cue (" + name + ")", Env: name, Pos: s.pos(it.Value()), End: s.pos(it.Value())}
			if run != nil && !run.MatchString(c.Name) {
				out = append(out, CaseResult{Case: c, Skipped: true})
				continue
			}
			out = append(out, CaseResult{Case: c, Failures: diag.List{{Pos: c.Pos, End: c.End, Severity: diag.Error, Code: "test/cannot-run", Kind: diag.Input,
				Message: fmt.Sprintf("environments.%s: the app has no environment %s; it has %s", name, name, strings.Join(names, ", "))}}})
		}
	}
	for _, env := range envs {
		c := &Case{Name: "kiln_test.cue (" + env.Name + ")", Env: env.Name, Pos: s.File.Pos(0), End: s.File.Pos(0)}
		if run != nil && !run.MatchString(c.Name) {
			out = append(out, CaseResult{Case: c, Skipped: true})
			continue
		}
		constraints := common
		if envc := envsV.LookupPath(cue.MakePath(cue.Str(env.Name))); envc.Exists() {
			constraints = constraints.Unify(envc)
		} else if envc := envsV.LookupPath(cue.MakePath(cue.Str(overlay.Default))); envc.Exists() && len(envs) == 1 {
			constraints = constraints.Unify(envc)
		}
		out = append(out, CaseResult{Case: c, Failures: s.check(constraints, env.Objects, env.Name)})
	}
	return out
}

// check unifies the constraints on each kind with every object of that
// kind, and reports every violation: a kind the environment does not
// emit, a constrained field an object lacks (which unification would
// otherwise add, so that replicas: 3 would hold of a Deployment without
// replicas), and a value the constraint refuses.
func (s *CUESuite) check(constraints cue.Value, objects map[string][]any, env string) diag.List {
	var have []string
	for k := range objects {
		have = append(have, k)
	}
	slices.Sort(have)
	var ds diag.List
	it, err := constraints.Fields()
	if err != nil {
		ds, _ := cueDiags(s.File, err, s.File.Pos(0), "test/cue", diag.Input)
		return ds
	}
	for it.Next() {
		kind, cv := it.Selector().String(), it.Value()
		if kind == "environments" {
			continue
		}
		objs := objects[kind]
		if len(objs) == 0 {
			pos := s.posOf(cv, env, []string{kind})
			ds = append(ds, diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: "test/cue", Kind: diag.Finding,
				Message: fmt.Sprintf("environment %s emits no %s (it emits %s)", env, kind, strings.Join(have, ", "))})
			continue
		}
		for _, obj := range objs {
			prefix := ""
			if len(objs) > 1 {
				prefix = fmt.Sprintf("%s %s: ", kind, describeName(obj.(map[string]any)))
			}
			data := s.ctx.Encode(obj)
			var missing []string
			s.missing(cv, data, []string{kind}, func(v cue.Value, path []string) {
				pos := s.posOf(v, env, path)
				missing = append(missing, fieldpath.FromSelectors(path))
				ds = append(ds, diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: "test/cue", Kind: diag.Finding,
					Message: fmt.Sprintf("%s%s: the output has no such field, and the constraint requires one", prefix, fieldpath.FromSelectors(path))})
			})
			u := s.ctx.CompileString("{}").FillPath(cue.MakePath(cue.Str(kind)), cv.Unify(data))
			if err := u.Validate(cue.Concrete(true)); err != nil {
				failed, paths := cueDiags(s.File, err, s.File.Pos(0), "test/cue", diag.Finding)
				for i, d := range failed {
					if !underAny(paths[i], missing) {
						d.Message = prefix + d.Message
						ds = append(ds, d)
					}
				}
			}
		}
	}
	return ds.Sort()
}

// missing calls report for each regular field of the constraint c that
// the data d lacks, descending into structs and closed lists.
func (s *CUESuite) missing(c, d cue.Value, path []string, report func(cue.Value, []string)) {
	switch c.IncompleteKind() {
	case cue.StructKind:
		if d.Kind() != cue.StructKind {
			return // a conflict of kinds, which unification reports
		}
		it, err := c.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			sel := it.Selector()
			p := append(slices.Clip(path), sel.String())
			dv := d.LookupPath(cue.MakePath(sel))
			if !dv.Exists() {
				if !sel.IsDefinition() && sel.ConstraintType() != cue.OptionalConstraint {
					report(it.Value(), p)
				}
				continue
			}
			s.missing(it.Value(), dv, p, report)
		}
	case cue.ListKind:
		if d.Kind() != cue.ListKind {
			return
		}
		ci, err := c.List()
		if err != nil {
			return
		}
		di, _ := d.List()
		for i := 0; ci.Next(); i++ {
			if !di.Next() {
				return // a closed list longer than the data's, which unification reports
			}
			s.missing(ci.Value(), di.Value(), append(slices.Clip(path), fmt.Sprint(i)), report)
		}
	}
}

// underAny reports whether path is one of paths or a field inside one.
func underAny(path string, paths []string) bool {
	return path != "" && slices.ContainsFunc(paths, func(p string) bool { return fieldpath.Within(path, p) })
}

// pos positions a constraint in the test file.
func (s *CUESuite) pos(v cue.Value) source.Pos {
	if p := v.Pos(); p.IsValid() && p.Filename() == s.File.Name {
		return posIn(s.File, p)
	}
	return s.File.Pos(0)
}

// posIn places a CUE position in f, by its line and byte column as CUE
// counts them, clamped to the line. (Not p.Offset(), which puts the end
// of a file that ends in a newline on the empty line after it, where the
// line and column put it after the last character.)
func posIn(f *source.File, p token.Pos) source.Pos {
	return f.PosIn(source.CUE, p.Line(), p.Column())
}

// posOf positions the constraint v at path: where v says it is, or else
// where the file writes path, at the top level or under the environment.
func (s *CUESuite) posOf(v cue.Value, env string, path []string) source.Pos {
	if p := v.Pos(); p.IsValid() && p.Filename() == s.File.Name {
		return posIn(s.File, p)
	}
	var sels []cue.Selector
	for _, p := range path {
		sels = append(sels, cue.Str(p))
	}
	for _, root := range []cue.Value{s.value, s.value.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(env)))} {
		if w := root.LookupPath(cue.MakePath(sels...)); w.Exists() {
			if p := w.Pos(); p.IsValid() && p.Filename() == s.File.Name {
				return posIn(s.File, p)
			}
		}
	}
	return s.File.Pos(0)
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// cueDiags positions CUE's errors in the test file, each led by the path
// of the field it is about, in kiln's grammar, which paths returns too.
func cueDiags(f *source.File, err error, fallback source.Pos, code string, kind diag.Kind) (ds diag.List, paths []string) {
	for _, e := range cueerrors.Errors(err) {
		pos := fallback
		for _, p := range append([]token.Pos{e.Position()}, e.InputPositions()...) {
			if p.IsValid() && p.Filename() == f.Name {
				pos = posIn(f, p)
				break
			}
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		path := fieldpath.FromSelectors(e.Path())
		if path != "" {
			msg = path + ": " + msg
		}
		ds = append(ds, diag.Diagnostic{Pos: pos, End: pos, Severity: diag.Error, Code: code, Message: msg, Kind: kind})
		paths = append(paths, path)
	}
	return ds, paths
}
