package apptest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
)

// A Suite is one test file: the cases an app's team wrote about it.
type Suite struct {
	File  *source.File
	Name  string
	Cases []Case
}

// A Case is one test: an environment, overrides of app fields, and what
// must hold of the outputs.
type Case struct {
	Name     string
	Pos, End source.Pos
	Env      string
	Set      []Setting
	Asserts  []Assert
}

// A Setting overrides one app field for a case, as helm-unittest's set
// does: spec.scaling.min: 5. Its path has the syntax of assertion paths.
type Setting struct {
	Path     string
	steps    fieldpath.Path
	Value    *load.Node // positioned in the test file, so a bad value is reported there
	Pos, End source.Pos
}

// Artifacts an assertion may select, from kiln's registry of outputs
// (emit.Registry); manifests is the default.
var Artifacts = emit.TestNames()

// An Assert is one assertion of a case.
type Assert struct {
	Type     string // equal, notEqual, exists, ...
	Not      bool   // inverts the result
	Kind     string // selects documents by kind
	Name     string // selects documents by metadata.name
	Artifact string
	Path     string
	steps    fieldpath.Path
	Value    any // equal, contains, isSubset: the expected value
	Pattern  *regexp.Regexp
	Count    int
	Rule     string // policy
	Of       string // isKind
	Pos, End source.Pos
}

// params are the parameters each assertion takes; the first ones listed
// are required.
var params = map[string]struct{ required, optional []string }{
	"equal":         {[]string{"path", "value"}, nil},
	"notEqual":      {[]string{"path", "value"}, nil},
	"exists":        {[]string{"path"}, nil},
	"notExists":     {[]string{"path"}, nil},
	"matchRegex":    {[]string{"pattern"}, []string{"path"}},
	"notMatchRegex": {[]string{"pattern"}, []string{"path"}},
	"contains":      {[]string{"content"}, []string{"path"}},
	"notContains":   {[]string{"content"}, []string{"path"}},
	"isSubset":      {[]string{"content"}, []string{"path"}},
	"lengthEqual":   {[]string{"path", "count"}, nil},
	"isKind":        {[]string{"of"}, nil},
	"hasDocuments":  {[]string{"count"}, nil},
	"matchSnapshot": {nil, []string{"path"}},
	"failedBuild":   {nil, []string{"errorPattern"}},
	"policy":        {[]string{"rule"}, nil},
}

// Assertions lists the assertion types, sorted, for messages and docs.
func Assertions() []string {
	var out []string
	for k := range params {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Parse reads a test file. Every mistake is a diagnostic at its line.
func Parse(f *source.File) (*Suite, diag.List) {
	doc, ds := load.Load(f, load.Options{Format: load.YAML})
	if doc == nil {
		for i := range ds {
			if ds[i].Code == "load/empty" {
				ds[i].Message = "the test file is empty; a test file is a map with suite and tests (docs/testing.md)"
			}
		}
		return nil, ds
	}
	p := &parser{}
	s := &Suite{File: f}
	root := doc.Root
	if root.Kind != load.Map {
		p.fail(root, "a test file is a map with suite and tests")
		return nil, p.ds
	}
	for _, fl := range root.Fields {
		switch fl.Name {
		case "suite":
			s.Name = p.str(fl.Value, "suite")
		case "tests":
			if fl.Value.Kind != load.List || len(fl.Value.Items) == 0 {
				p.fail(fl.Value, "tests is a list of cases, each with it and asserts")
				continue
			}
			names := map[string]source.Pos{}
			for _, it := range fl.Value.Items {
				c, ok := p.testCase(it)
				if c.Name != "" {
					if first, dup := names[c.Name]; dup {
						at := it.Field("it").Value
						line, _ := first.LineCol()
						p.fail(at, fmt.Sprintf("a case named %q is already at line %d; each case needs its own it (snapshots and --run tell cases apart by it)", c.Name, line))
						ok = false
					} else {
						names[c.Name] = it.Field("it").Value.Pos
					}
				}
				if ok {
					s.Cases = append(s.Cases, c)
				}
			}
		default:
			p.failKey(fl, fmt.Sprintf("unknown field %s (known: suite, tests)", fl.Name))
		}
	}
	if root.Field("tests") == nil {
		p.fail(root, "the test file has no tests")
	}
	if len(p.ds) > 0 {
		return nil, p.ds
	}
	return s, nil
}

type parser struct{ ds diag.List }

func (p *parser) fail(n *load.Node, msg string) {
	p.ds = append(p.ds, diag.Diagnostic{Pos: n.Pos, End: n.End, Severity: diag.Error, Code: "test/invalid", Kind: diag.Input, Message: msg})
}

func (p *parser) failKey(fl load.Field, msg string) {
	p.ds = append(p.ds, diag.Diagnostic{Pos: fl.KeyPos, End: fl.KeyEnd, Severity: diag.Error, Code: "test/invalid", Kind: diag.Input, Message: msg})
}

func (p *parser) str(n *load.Node, what string) string {
	s, _ := n.Scalar.(string)
	if n.Kind != load.String || s == "" {
		p.fail(n, fmt.Sprintf("%s is a non-empty string, not %s", what, n.String()))
	}
	return s
}

func (p *parser) testCase(n *load.Node) (Case, bool) {
	c := Case{Pos: n.Pos, End: n.End}
	if n.Kind != load.Map {
		p.fail(n, "a case is a map with it, asserts and optionally env and set")
		return c, false
	}
	before := len(p.ds)
	for _, fl := range n.Fields {
		switch fl.Name {
		case "it":
			c.Name = p.str(fl.Value, "it")
		case "env":
			c.Env = p.str(fl.Value, "env")
		case "set":
			if fl.Value.Kind != load.Map {
				p.fail(fl.Value, "set maps app field paths to values, e.g. spec.scaling.min: 5")
				continue
			}
			for _, s := range fl.Value.Fields {
				steps, err := fieldpath.ParsePath(s.Name)
				if err != nil {
					p.failKey(s, fmt.Sprintf("set %s: %v", s.Name, err))
					continue
				}
				if len(steps) < 2 || (steps[0].Field != "spec" && steps[0].Field != "metadata") {
					p.failKey(s, fmt.Sprintf("set %s: name an app field under spec or metadata, e.g. spec.scaling.min", s.Name))
					continue
				}
				c.Set = append(c.Set, Setting{Path: s.Name, steps: steps, Value: s.Value, Pos: s.KeyPos, End: s.KeyEnd})
			}
		case "asserts":
			if fl.Value.Kind != load.List || len(fl.Value.Items) == 0 {
				p.fail(fl.Value, "asserts is a non-empty list of assertions")
				continue
			}
			for _, a := range fl.Value.Items {
				if as, ok := p.assert(a); ok {
					c.Asserts = append(c.Asserts, as)
				}
			}
		default:
			p.failKey(fl, fmt.Sprintf("unknown field %s in a case (known: it, env, set, asserts)", fl.Name))
		}
	}
	if n.Field("it") == nil {
		p.fail(n, "the case has no it: say what it checks")
	}
	if n.Field("asserts") == nil {
		p.fail(n, "the case has no asserts")
	}
	return c, len(p.ds) == before
}

func (p *parser) assert(n *load.Node) (Assert, bool) {
	a := Assert{Pos: n.Pos, End: n.End, Artifact: "manifests"}
	if n.Kind != load.Map {
		p.fail(n, "an assertion is a map such as {equal: {path: spec.replicas, value: 3}}")
		return a, false
	}
	before := len(p.ds)
	var body *load.Node
	unknown := false
	var selectors []load.Field // kind, name and artifact, which policy and failedBuild do not take
	for _, fl := range n.Fields {
		switch fl.Name {
		case "kind":
			a.Kind = p.str(fl.Value, "kind")
			selectors = append(selectors, fl)
		case "name":
			a.Name = p.str(fl.Value, "name")
			selectors = append(selectors, fl)
		case "artifact":
			selectors = append(selectors, fl)
			a.Artifact = p.str(fl.Value, "artifact")
			if !slices.Contains(Artifacts, a.Artifact) {
				p.fail(fl.Value, fmt.Sprintf("artifact %s is not one of %s", a.Artifact, strings.Join(Artifacts, ", ")))
			}
		case "not":
			b, ok := fl.Value.Scalar.(bool)
			if !ok {
				p.fail(fl.Value, "not is true or false")
			}
			a.Not = b
		default:
			if _, ok := params[fl.Name]; !ok {
				p.failKey(fl, fmt.Sprintf("unknown assertion %s (known: %s; and kind, name, artifact, not)", fl.Name, strings.Join(Assertions(), ", ")))
				unknown = true
				continue
			}
			if a.Type != "" {
				p.failKey(fl, fmt.Sprintf("one assertion per item: %s and %s", a.Type, fl.Name))
				continue
			}
			a.Type, a.Pos, a.End, body = fl.Name, fl.KeyPos, fl.KeyEnd, fl.Value
		}
	}
	if a.Type == "" {
		if !unknown {
			p.fail(n, fmt.Sprintf("the item names no assertion (one of %s)", strings.Join(Assertions(), ", ")))
		}
		return a, false
	}
	switch a.Type {
	case "policy", "failedBuild":
		// They judge the whole build of the case's environment, not
		// documents: a selector would be silently ignored.
		for _, fl := range selectors {
			p.failKey(fl, fmt.Sprintf("%s judges the whole build of the case's environment; it takes no %s", a.Type, fl.Name))
		}
	case "matchSnapshot":
		if a.Not {
			p.failKey(n.Fields[slices.IndexFunc(n.Fields, func(f load.Field) bool { return f.Name == "not" })],
				"not does not apply to matchSnapshot: a snapshot either matches or fails")
		}
	}
	p.params(&a, body)
	return a, len(p.ds) == before
}

// params reads an assertion's parameters, checking each one's type.
func (p *parser) params(a *Assert, body *load.Node) {
	want := params[a.Type]
	if body.Kind == load.Null && len(want.required) == 0 {
		return
	}
	if body.Kind != load.Map {
		p.fail(body, fmt.Sprintf("%s takes a map: %s", a.Type, strings.Join(append(want.required, want.optional...), ", ")))
		return
	}
	for _, r := range want.required {
		if body.Field(r) == nil {
			p.fail(body, fmt.Sprintf("%s needs %s", a.Type, r))
		}
	}
	for _, fl := range body.Fields {
		if !slices.Contains(want.required, fl.Name) && !slices.Contains(want.optional, fl.Name) {
			p.failKey(fl, fmt.Sprintf("%s takes %s, not %s", a.Type, strings.Join(append(want.required, want.optional...), ", "), fl.Name))
			continue
		}
		v := fl.Value
		switch fl.Name {
		case "path":
			a.Path = p.str(v, "path")
			steps, err := fieldpath.ParsePath(a.Path)
			if err != nil {
				p.fail(v, fmt.Sprintf("path %s: %v", a.Path, err))
			}
			a.steps = steps
		case "value", "content":
			a.Value = normal(v.Value())
		case "pattern", "errorPattern":
			re, err := regexp.Compile(p.str(v, fl.Name))
			if err != nil {
				p.fail(v, fmt.Sprintf("%s: %v", fl.Name, err))
			}
			a.Pattern = re
		case "count":
			n, ok := v.Scalar.(interface{ Int64() (int64, error) })
			var i int64
			var err error
			if ok {
				i, err = n.Int64()
			}
			if !ok || err != nil || i < 0 {
				p.fail(v, "count is a whole number, 0 or more")
			}
			a.Count = int(i)
		case "of":
			a.Of = p.str(v, "of")
		case "rule":
			a.Rule = p.str(v, "rule")
		}
	}
}
