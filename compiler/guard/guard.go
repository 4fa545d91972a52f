// Package guard is the guard stage: OPA/Rego guardrails over the app and
// every object built from it. A Bundle is compiled once and shared by every
// app and environment; evaluating one recompiles nothing.
//
// Rules run sandboxed: builtins that reach the network or the host
// (http.send, net.*, opa.runtime) are removed from the capabilities, so a
// policy that uses one does not compile, and builtin errors are strict.
package guard

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/policies"
)

// A Rule is one guardrail, as its METADATA declares it.
type Rule struct {
	ID          string // stable, e.g. "image-pinned"
	Title       string
	Description string // why the rule exists
	Remediation string
	Severity    diag.Severity
	Package     string // data.kiln.rules.image_pinned
	File        string
}

// A Finding is one rule's verdict on one field.
type Finding struct {
	Rule    Rule
	Kind    string   // the object's kind, empty for a finding about the app itself
	Name    string   // the object's name
	Path    string   // field path in the object
	AppPath []string // field path in the app, for findings about the app
	Message string
}

// A Bundle is a compiled set of rules. It is immutable and safe for
// concurrent use.
type Bundle struct {
	rules map[string]Rule // by package name under kiln.rules
	query rego.PreparedEvalQuery
}

// Builtin returns kiln's built-in rules (policies/), compiled on first use.
var Builtin = sync.OnceValues(func() (*Bundle, error) { return Load(context.Background(), policies.FS) })

// hostBuiltins reach the network or the host, which guardrails must not.
var hostBuiltins = map[string]bool{"http.send": true, "opa.runtime": true, "net.lookup_ip_addr": true}

// Load parses and compiles every .rego file of fsys.
func Load(ctx context.Context, fsys fs.FS) (*Bundle, error) {
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		modules[p] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		return hostBuiltins[b.Name] || strings.HasPrefix(b.Name, "net.lookup")
	})
	compiler := ast.NewCompiler().WithCapabilities(caps)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, compiler.Errors
	}
	b := &Bundle{rules: map[string]Rule{}}
	for file, m := range modules {
		name, ok := ruleName(m.Package.Path)
		if !ok || strings.HasSuffix(file, "_test.rego") {
			continue
		}
		r, err := ruleOf(file, m)
		if err != nil {
			return nil, err
		}
		b.rules[name] = r
	}
	b.query, err = rego.New(
		rego.Compiler(compiler),
		rego.Query("f := data.kiln.rules[name].deny[_]"),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	return b, err
}

// ruleName returns "image_pinned" for data.kiln.rules.image_pinned.
func ruleName(p ast.Ref) (string, bool) {
	s := strings.TrimPrefix(p.String(), "data.")
	name, ok := strings.CutPrefix(s, "kiln.rules.")
	return name, ok && !strings.Contains(name, ".")
}

func ruleOf(file string, m *ast.Module) (Rule, error) {
	r := Rule{Package: m.Package.Path.String(), File: file, Severity: diag.Error}
	for _, a := range m.Annotations {
		if a.Scope != "package" {
			continue
		}
		r.Title, r.Description = a.Title, a.Description
		r.ID, _ = a.Custom["id"].(string)
		r.Remediation, _ = a.Custom["remediation"].(string)
		sev, _ := a.Custom["severity"].(string)
		if s, ok := diag.ParseSeverity(sev); ok {
			r.Severity = s
		} else {
			return r, fmt.Errorf("%s: custom.severity %q is not error, warning or info", file, sev)
		}
	}
	if r.ID == "" || r.Title == "" || r.Description == "" || r.Remediation == "" {
		return r, fmt.Errorf("%s: a rule's METADATA needs a title, a description and custom id, severity and remediation", file)
	}
	return r, nil
}

// Rules returns the bundle's rules, sorted by id.
func (b *Bundle) Rules() []Rule {
	var out []Rule
	for _, r := range b.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Eval runs every rule over input: {"app": ..., "environment": ..., "objects": [...]}.
// The findings are sorted, so that output never depends on evaluation order.
func (b *Bundle) Eval(ctx context.Context, input map[string]any) ([]Finding, error) {
	rs, err := b.query.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluating the guardrails: %v", err)
	}
	var out []Finding
	for _, r := range rs {
		name, _ := r.Bindings["name"].(string)
		f, _ := r.Bindings["f"].(map[string]any)
		rule, ok := b.rules[name]
		if !ok {
			continue
		}
		fd := Finding{Rule: rule}
		fd.Kind, _ = f["kind"].(string)
		fd.Name, _ = f["name"].(string)
		fd.Path, _ = f["path"].(string)
		fd.Message, _ = f["msg"].(string)
		if p, ok := f["app_path"].(string); ok && p != "" {
			fd.AppPath = strings.Split(p, ".")
		}
		if fd.Message == "" {
			fd.Message = rule.Title
		}
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return strings.Join([]string{a.Rule.ID, a.Kind, a.Name, a.Path, a.Message}, "\x00") <
			strings.Join([]string{b.Rule.ID, b.Kind, b.Name, b.Path, b.Message}, "\x00")
	})
	return out, nil
}
