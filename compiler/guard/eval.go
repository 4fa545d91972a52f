package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/workload"
)

// Input is what one evaluation judges: one environment of one app, or the
// documents of one plain YAML file.
type Input struct {
	App         any // the app definition as plain data, merged for the environment; nil for plain YAML
	Environment string
	Objects     []map[string]any
	Dockerfile  []dockerfile.Instruction // a hand-written Dockerfile; nil without one
	Context     Context
	// Inventory is what the objects are judged with; nil when the
	// objects are their own inventory (one environment of an app).
	Inventory *Inventory
}

// Context is what rules read under data.kiln.context.
type Context struct {
	Environment       string
	Production        bool
	KubernetesVersion string // "1.37"
	App, Owner        string
	SLA               *SLA // nil when the app declares none
	// Workloads are the kinds that run pods (workload.Merge); nil for
	// kiln's own list, which the rules fall back to.
	Workloads []workload.Kind
}

// SLA is what an app's availability promise asks of its replicas.
type SLA struct {
	Availability float64
	MinReplicas  int
}

func (c Context) value() map[string]any {
	v := map[string]any{"environment": c.Environment, "production": c.Production, "kubernetes_version": c.KubernetesVersion}
	if c.App != "" {
		v["app"] = c.App
	}
	if c.Owner != "" {
		v["owner"] = c.Owner
	}
	if c.Workloads != nil {
		v["workloads"] = workload.Values(c.Workloads)
	}
	if c.SLA != nil {
		v["sla"] = map[string]any{"availability": c.SLA.Availability, "min_replicas": c.SLA.MinReplicas}
	}
	return v
}

// An EvalError is a policy that failed while it ran: a type error in a
// builtin, a conflict between rule values. It names the rule and the
// policy's line, so the author of the policy can fix it.
type EvalError struct {
	Code    string // policy/error, or policy/timeout for an evaluation past its time
	Rule    string
	Pos     source.Pos
	Message string
}

func (e *EvalError) Error() string { return e.Message }

// Diagnostic returns e at the policy's position.
func (e *EvalError) Diagnostic() diag.Diagnostic {
	code := e.Code
	if code == "" {
		code = "policy/error"
	}
	return diag.Diagnostic{Pos: e.Pos, End: e.Pos, Severity: diag.Error, Code: code, Message: e.Message, Kind: diag.Input}
}

// convert converts in's objects for OPA, once for every use: the input's
// objects, the documents conftest rules judge, and, when the objects are
// their own inventory, the inventory and its index. The input and the
// inventory hold the very same terms of an object (Inventory.termsOf when
// the run gives the inventory), so that a rule comparing an object of the
// input with one of the inventory compares pointers, not whole objects.
func (in Input) convert() ([]*ast.Term, [2]ast.Value, error) {
	if in.Inventory != nil {
		ts, err := in.Inventory.termsOf(in.Objects)
		if err != nil {
			return nil, [2]ast.Value{}, err
		}
		return ts, [2]ast.Value{in.Inventory.value(), in.Inventory.index()}, nil
	}
	ts, err := objectTerms(in.Objects)
	if err != nil {
		return nil, [2]ast.Value{}, err
	}
	return ts, [2]ast.Value{inventoryValue(in.Objects, ts), indexValue(in.Objects, ts, in.Context.Workloads)}, nil
}

// withInventory converts input for OPA with the objects, the inventory
// and its index converted already, under "objects", "inventory" and
// "index", where the queries mount the last two as data.kiln.inventory
// and data.kiln.index.
func withInventory(input map[string]any, objects []*ast.Term, inv [2]ast.Value) (ast.Value, error) {
	v, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, err
	}
	obj := v.(ast.Object)
	if objects != nil {
		obj.Insert(ast.StringTerm("objects"), ast.ArrayTerm(objects...))
	}
	obj.Insert(ast.StringTerm("inventory"), ast.NewTerm(inv[0]))
	obj.Insert(ast.StringTerm("index"), ast.NewTerm(inv[1]))
	return obj, nil
}

// Eval runs every rule over in. The findings are sorted, so that output
// never depends on evaluation order.
func (b *Bundle) Eval(ctx context.Context, in Input) ([]Finding, error) {
	if ds := b.compile(); ds != nil {
		return nil, &EvalError{Pos: ds[0].Pos, Message: "the policies do not compile: " + ds[0].Message}
	}
	parsed, objects, inv, err := in.parsed()
	if err != nil {
		return nil, &EvalError{Message: "evaluating the guardrails: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	ctx, unwatch := watched(ctx, b.memory)
	defer unwatch()
	rs, err := b.kiln.Eval(ctx, rego.EvalParsedInput(parsed))
	if err != nil {
		return nil, b.evalError(ctx, err)
	}
	var out []Finding
	for _, r := range rs {
		fs, _ := r.Bindings["fs"].([]any)
		for _, nf := range fs {
			nf, _ := nf.([]any)
			if len(nf) != 2 {
				continue
			}
			name, _ := nf[0].(string)
			if rule, ok := b.rules[name]; ok {
				out = append(out, b.finding(rule, nf[1], in.Objects))
			}
		}
	}
	more, err := b.evalConftest(ctx, in, objects, inv)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, nil
}

// parsed is in as the kiln query reads it, with in's objects converted for
// OPA and the inventory and its index (for conftest's documents too).
func (in Input) parsed() (ast.Value, []*ast.Term, [2]ast.Value, error) {
	input := map[string]any{"environment": in.Environment, "context": in.Context.value()}
	if in.App != nil {
		input["app"] = in.App
	}
	if in.Dockerfile != nil {
		input["dockerfile"] = instructions(in.Dockerfile)
	}
	objects, inv, err := in.convert()
	if err != nil {
		return nil, nil, [2]ast.Value{}, err
	}
	parsed, err := withInventory(input, objects, inv)
	if err != nil {
		return nil, nil, [2]ast.Value{}, err
	}
	obj := parsed.(ast.Object)
	obj.Insert(ast.StringTerm("own"), ast.NewTerm(ownValue(objects)))
	ws := workloadsValue(objects, in.Context.Workloads)
	obj.Insert(ast.StringTerm("workloads"), ast.NewTerm(workloadSet(ws)))
	// false: lib.rego computes them (see containersValue)
	containers := ast.Value(ast.Boolean(false))
	if cs := containersValue(ws); cs != nil {
		containers = cs
	}
	obj.Insert(ast.StringTerm("containers"), ast.NewTerm(containers))
	return parsed, objects, inv, nil
}

func (f Finding) key() string {
	return strings.Join([]string{f.Rule.ID, f.Kind, f.Name, f.Path, strings.Join(f.AppPath, "."), fmt.Sprint(f.DockerfileLine), f.Message}, "\x00")
}

// ObjectName names the object the finding is about, as kind/name
// (Deployment/web); empty for a finding about the app or a Dockerfile.
func (f Finding) ObjectName() string {
	if f.Kind == "" {
		return ""
	}
	return f.Kind + "/" + f.Name
}

// About returns the finding's message prefixed with the object it is
// about (Deployment/web: ...), unless the message names it already.
func (f Finding) About() string {
	if f.Kind == "" {
		return f.Message
	}
	key := f.Kind + "/" + f.Name
	if strings.Contains(f.Message, key) {
		return f.Message
	}
	return key + ": " + f.Message
}

// finding reads one value of a kiln rule's deny set.
func (b *Bundle) finding(rule Rule, v any, objects []map[string]any) Finding {
	fd := Finding{Rule: rule, Severity: rule.Severity, Object: -1}
	f, ok := v.(map[string]any)
	if !ok {
		fd.Message = fmt.Sprint(v)
		if s, ok := v.(string); ok {
			fd.Message = s
		}
		return fd
	}
	fd.Kind, _ = f["kind"].(string)
	fd.Name, _ = f["name"].(string)
	fd.Path, _ = f["path"].(string)
	fd.Message, _ = f["msg"].(string)
	if p, ok := f["app_path"].(string); ok && p != "" {
		fd.AppPath = strings.Split(p, ".")
	}
	if line, ok := f["dockerfile_line"].(json.Number); ok {
		n, _ := line.Int64()
		fd.DockerfileLine = int(n)
	}
	if s, ok := f["severity"].(string); ok {
		if sev, ok := diag.ParseSeverity(s); ok && rule.Severity != sev {
			fd.Severity = sev
		}
	}
	if fd.Message == "" {
		fd.Message = rule.Title
	}
	// The object is found by kind, name and, when the finding names them,
	// namespace and apiVersion: a file may hold the same name in several
	// namespaces, or the same object in an old and a new apiVersion.
	ns, hasNS := f["namespace"].(string)
	av, hasAV := f["api_version"].(string)
	for i, o := range objects {
		if fd.Kind != "" && o["kind"] == fd.Kind && name(o) == fd.Name && (!hasNS || namespace(o) == ns) && (!hasAV || o["apiVersion"] == av) {
			fd.Object = i
			break
		}
	}
	return fd
}

func namespace(o map[string]any) string {
	m, _ := o["metadata"].(map[string]any)
	n, _ := m["namespace"].(string)
	return n
}

func name(o map[string]any) string {
	m, _ := o["metadata"].(map[string]any)
	n, _ := m["name"].(string)
	return n
}

// evalConftest runs the conftest rules of each namespace over each
// document and the Dockerfile, as conftest would. A finding of a rule the
// namespace's exception rule excepts for the document carries the
// exception.
func (b *Bundle) evalConftest(ctx context.Context, in Input, objects []*ast.Term, inv [2]ast.Value) ([]Finding, error) {
	if len(b.conftest) == 0 {
		return nil, nil
	}
	var out []Finding
	kctx := in.Context.value()
	run := func(doc *ast.Term, object int, line int) error {
		parsed, err := withInventory(map[string]any{"context": kctx}, nil, inv)
		if err != nil {
			return &EvalError{Message: "evaluating the guardrails: " + err.Error()}
		}
		parsed.(ast.Object).Insert(ast.StringTerm("document"), doc)
		for _, q := range b.conftest {
			more, err := b.evalNamespace(ctx, q, parsed, in, object, line)
			if err != nil {
				return err
			}
			out = append(out, more...)
		}
		return nil
	}
	for i, o := range objects {
		if err := run(o, i, 0); err != nil {
			return nil, err
		}
	}
	if in.Dockerfile != nil {
		doc, err := ast.InterfaceToValue(conftestDockerfile(in.Dockerfile))
		if err != nil {
			return nil, &EvalError{Message: "evaluating the guardrails: " + err.Error()}
		}
		if err := run(ast.NewTerm(doc), -1, 1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// evalNamespace runs one namespace's rules over one document.
func (b *Bundle) evalNamespace(ctx context.Context, q conftestQuery, input ast.Value, in Input, object, line int) ([]Finding, error) {
	rs, err := q.rules.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, b.evalError(ctx, err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	excepted, err := q.excepted(ctx, input)
	if err != nil {
		return nil, b.evalError(ctx, err)
	}
	var out []Finding
	for _, r := range rs {
		kind, _ := r.Bindings["kind"].(string)
		rule, ok := b.rules[q.pkg+"."+kind]
		if !ok {
			continue
		}
		fd := b.finding(rule, r.Bindings["f"], nil)
		fd.Object, fd.DockerfileLine = object, line
		if fd.Path == "" && object >= 0 {
			fd.Path = "metadata.name" // the document as a whole: where it is named
		}
		if object >= 0 {
			fd.Kind, _ = in.Objects[object]["kind"].(string)
			fd.Name = name(in.Objects[object])
		}
		if name := removeRulePrefix(kind); excepted[name] {
			fd.Exception = fmt.Sprintf("%s.exception[_][_] == %q", q.ref, name)
		}
		out = append(out, fd)
	}
	return out, nil
}

// evalError names the rule and the policy line an evaluation failed at.
func (b *Bundle) evalError(ctx context.Context, err error) error {
	if cancelled(err) {
		return stopped(ctx, b.timeout)
	}
	var te *topdown.Error
	if !errors.As(err, &te) || te.Location == nil {
		return &EvalError{Message: "evaluating the guardrails: " + err.Error()}
	}
	e := &EvalError{Pos: b.pos(te.Location), Message: te.Message}
	for _, r := range b.rules {
		if r.File == te.Location.File {
			e.Rule = r.ID
		}
	}
	if e.Rule != "" {
		e.Message = fmt.Sprintf("rule %s failed: %s: %s", e.Rule, te.Code, te.Message)
	} else {
		e.Message = fmt.Sprintf("a policy failed: %s: %s", te.Code, te.Message)
	}
	return e
}

// instructions presents a Dockerfile to kiln rules.
func instructions(ins []dockerfile.Instruction) []any {
	out := make([]any, len(ins))
	for i, in := range ins {
		expanded := in.Expanded
		if expanded == nil {
			expanded = in.Args
		}
		out[i] = map[string]any{"cmd": in.Command, "value": strs(in.Args), "expanded": strs(expanded),
			"flags": strs(in.Flags), "stage": in.Stage, "line": in.Line}
	}
	return out
}

// conftestDockerfile presents a Dockerfile the way conftest's parser does.
func conftestDockerfile(ins []dockerfile.Instruction) []any {
	out := make([]any, len(ins))
	for i, in := range ins {
		out[i] = map[string]any{"Cmd": in.Command, "Flags": strs(in.Flags), "Value": strs(in.Args), "Stage": in.Stage,
			"SubCmd": "", "JSON": in.JSON, "Original": in.Original}
	}
	return out
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
