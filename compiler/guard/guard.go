package guard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/kilnhq/kiln/compiler/apiversions"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/policies"
)

// A Rule is one guardrail, as its METADATA declares it.
type Rule struct {
	ID          string // stable, e.g. "image-pinned"
	Title       string
	Description string // why the rule exists
	Remediation string
	Severity    diag.Severity // after the repository's overrides
	Package     string        // data.kiln.rules.image_pinned
	File        string        // the policy file, as named in messages
	Line        int           // where the package clause is
	Builtin     bool          // shipped with kiln
	// Conftest is set for the deny, warn and violation rules of a
	// conftest-style package main, which see one document at a time.
	Conftest bool
}

// A Finding is one rule's verdict on one field.
type Finding struct {
	Rule     Rule
	Severity diag.Severity // the rule's, unless the finding says otherwise
	Object   int           // index in Input.Objects, or -1
	Kind     string        // the object's kind, empty for a finding about the app itself
	Name     string        // the object's name
	Path     string        // field path in the object
	AppPath  []string      // field path in the app, for findings about the app
	// DockerfileLine is the line of the Dockerfile instruction at fault,
	// for findings about the Dockerfile.
	DockerfileLine int
	Message        string
	// Exception is set for a conftest rule's finding that the namespace's
	// exception rule excepts for the document: the query that excepted it,
	// as conftest reports it. It fails nothing; it is reported as waived.
	Exception string
}

// Options say which policies make a Bundle, beside the built-in rules.
type Options struct {
	Dirs []Dir // the repository's own policies
	// Data is mounted at the root of data, as conftest's --data does, so
	// data.allowed_registries reads a top-level key of a data file.
	Data     map[string]any
	Disabled map[string]bool          // rule ids that do not run
	Severity map[string]diag.Severity // rule id → the severity it reports at
	// SeverityAt is where the repository's configuration sets a rule's
	// severity (rule id → the line), for the findings to point at.
	SeverityAt map[string]diag.Related
	// Namespaces are the packages whose conftest rules run, as conftest's
	// --namespace takes them: names or path.Match patterns ("k8s.*");
	// nil means main, conftest's default. AllNamespaces runs every package
	// of Dirs outside kiln's own, as conftest's --all-namespaces.
	Namespaces    []string
	AllNamespaces bool
	// NoBuiltin leaves out kiln's own rules, leaving only Dirs.
	NoBuiltin bool
	// Timeout bounds one evaluation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Memory bounds the heap the evaluations may grow the process by; 0
	// means DefaultMemory (see memory.go).
	Memory int64
	// Lazy defers compiling the policies to the first evaluation, for
	// runs that may answer everything from the cache: the rules are known
	// at once, and a policy that does not compile is then reported by
	// Eval, as a policy/ diagnostic.
	Lazy bool
}

// A Dir is a tree of .rego files. Files ending in _test.rego are tests,
// run by kiln test and not part of the bundle.
type Dir struct {
	Name string // prefix of file names in messages, e.g. "policy" for ./policy
	FS   fs.FS
}

// A Bundle is a compiled set of rules. It is immutable and safe for
// concurrent use.
type Bundle struct {
	rules    map[string]Rule // by package name under kiln.rules, or "main.deny" ...
	files    map[string]*source.File
	builtin  map[string]bool  // files shipped with kiln
	known    map[string]bool  // every rule id declared, disabled or not
	compile  func() diag.List // compiles and prepares once; nil diagnostics when it worked
	kiln     rego.PreparedEvalQuery
	conftest []conftestQuery         // one per namespace with rules to run
	timeout  time.Duration           // the bound on one Eval
	override map[string]diag.Related // where the configuration sets a rule's severity
	memory   int64                   // the bound on the heap the evaluations grow (memory.go)
}

// RulesDoc is the reference of the built-in rules (docs/rules.md, made
// from their METADATA); a rule's entry is at #<id>. Reports and the editor
// link findings to it.
const RulesDoc = "https://github.com/kilnhq/kiln/blob/main/docs/rules.md"

// Builtin returns kiln's built-in rules (policies/), compiled on first use.
var Builtin = sync.OnceValues(func() (*Bundle, error) {
	b, ds := Load(context.Background(), Options{})
	if len(ds) > 0 {
		return nil, errors.New(ds[0].Message)
	}
	return b, nil
})

// Refused are the builtins guardrails may not call, each with what it
// would reach: a policy is judged on the documents it is given, and the
// same policy must give the same verdict on every machine, offline.
// Everything else OPA offers computes on its arguments alone (net.cidr_*
// included: they parse and compare addresses, they look nothing up).
var Refused = map[string]string{
	"http.send":          "it sends HTTP requests",
	"net.lookup_ip_addr": "it resolves host names through DNS",
	"opa.runtime":        "it reads the process's environment variables",
	"json.match_schema":  "it loads the files and URLs a schema's $ref names",
	"json.verify_schema": "it loads the files and URLs a schema's $ref names",
	"rand.intn":          "it draws a random number, so the same documents could get another verdict, and a cached verdict would be the first draw's",
	"uuid.rfc4122":       "it makes a new random UUID, so the same documents could get another verdict, and a cached verdict would be the first draw's",
}

// conftestKinds are the rule names conftest evaluates, with the severity
// conftest gives them.
var conftestKinds = map[string]diag.Severity{"deny": diag.Error, "violation": diag.Error, "warn": diag.Warning}

// conftestRule is how conftest recognises its rules: deny, violation or
// warn, alone or followed by _suffixes (deny_latest_tag, warn_no_owner);
// conftest's warningRegex and failureRegex (policy/engine.go).
var conftestRule = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9]+)*$`)

// conftestSeverity returns the severity conftest gives the rule called
// name, and whether conftest runs it at all.
func conftestSeverity(name string) (diag.Severity, bool) {
	m := conftestRule.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	return conftestKinds[m[1]], true
}

// Load parses and compiles the built-in rules and those of opts.Dirs. A
// policy that does not parse or compile is a diagnostic at its file's line.
func Load(ctx context.Context, opts Options) (*Bundle, diag.List) {
	b := &Bundle{rules: map[string]Rule{}, files: map[string]*source.File{}, builtin: map[string]bool{}, known: map[string]bool{}, timeout: opts.Timeout, memory: opts.Memory}
	if b.timeout <= 0 {
		b.timeout = DefaultTimeout
	}
	dirs := opts.Dirs
	if !opts.NoBuiltin {
		dirs = append([]Dir{{Name: "policies", FS: policies.FS}}, dirs...)
	}
	modules := map[string]*ast.Module{}
	var ds diag.List
	for i, d := range dirs {
		more := b.parse(d, i == 0 && !opts.NoBuiltin, modules)
		ds = append(ds, more...)
	}
	if len(ds) > 0 {
		return nil, ds.Sort()
	}
	ns, more := selectNamespaces(modules, b.builtin, opts)
	ds = append(ds, more...)
	for file, m := range modules {
		ds = append(ds, b.declare(file, m, ns)...)
	}
	if len(ds) == 0 {
		ds = append(ds, b.notRun(modules, ns)...)
	}
	b.override = opts.SeverityAt
	for id, sev := range opts.Severity {
		for name, r := range b.rules {
			if r.ID == id {
				r.Severity = sev
				b.rules[name] = r
			}
		}
	}
	for _, r := range b.rules {
		b.known[r.ID] = true
	}
	for name, r := range b.rules {
		if opts.Disabled[r.ID] {
			delete(b.rules, name)
		}
	}
	if len(ds) > 0 {
		return nil, ds.Sort()
	}
	b.compile = sync.OnceValue(func() diag.List {
		compiler := ast.NewCompiler().WithCapabilities(sandbox())
		if compiler.Compile(modules); compiler.Failed() {
			return b.astErrors(compiler.Errors)
		}
		if err := b.prepare(context.Background(), compiler, modules, opts.Data); err != nil {
			return diag.List{{Severity: diag.Error, Code: "policy/compile", Kind: diag.Input, Message: err.Error()}}
		}
		return nil
	})
	if !opts.Lazy {
		if ds := b.compile(); ds != nil {
			return nil, ds
		}
	}
	return b, nil
}

// sandbox returns OPA's capabilities without the Refused builtins, so
// that a policy using one does not compile, and with no host allowed for
// network access, should a builtin that fetches ever remain. The compiler
// given them must not enable type checking with METADATA schemas, which
// would load the schemas' $ref.
func sandbox() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		_, refused := Refused[b.Name]
		return refused || strings.HasPrefix(b.Name, "net.lookup")
	})
	caps.AllowNet = []string{}
	return caps
}

// refusedCall rewrites OPA's "undefined function" for a Refused builtin
// into why guardrails cannot call it.
func refusedCall(msg string) string {
	name, ok := strings.CutPrefix(msg, "undefined function ")
	if !ok {
		return msg
	}
	why, ok := Refused[name]
	if !ok && strings.HasPrefix(name, "net.lookup") {
		why, ok = "it looks names up on the network", true
	}
	if !ok {
		return msg
	}
	return fmt.Sprintf("%s is not available to guardrails: %s; kiln's policies see only the documents they judge and their data", name, why)
}

// parse reads every policy of d into modules, keyed by the file's name.
func (b *Bundle) parse(d Dir, builtin bool, modules map[string]*ast.Module) diag.List {
	var names []string
	err := fs.WalkDir(d.FS, ".", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && path.Ext(p) == ".rego" && !strings.HasSuffix(p, "_test.rego") {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return diag.List{{Severity: diag.Error, Code: "policy/read", Kind: diag.Input, Message: fmt.Sprintf("reading policies in %s: %v", d.Name, err)}}
	}
	// Parsing is most of the start-up of a run answered from the cache;
	// the files parse independently, so in parallel.
	type parsed struct {
		file    *source.File
		m       *ast.Module
		err     error
		readErr error // the file could not be read: an error at its start
	}
	results := make([]parsed, len(names))
	var wg sync.WaitGroup
	for i, p := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := path.Join(d.Name, p)
			src, err := fs.ReadFile(d.FS, p)
			if err != nil {
				results[i].file, results[i].readErr = source.NewFile(name, nil), err
				return
			}
			results[i].file = source.NewFile(name, src)
			results[i].m, results[i].err = parseModule(name, results[i].file.LF(), !builtin)
		}()
	}
	wg.Wait()
	var ds diag.List
	for _, r := range results {
		if r.file != nil && r.readErr == nil {
			b.files[r.file.Name] = r.file
		}
	}
	for _, r := range results {
		var errs ast.Errors
		switch {
		case r.readErr != nil:
			msg := r.readErr.Error()
			var pe *fs.PathError
			if errors.As(r.readErr, &pe) {
				msg = pe.Err.Error()
			}
			ds = append(ds, diag.Diagnostic{Pos: r.file.Pos(0), End: r.file.Pos(0), Severity: diag.Error, Code: "policy/read", Kind: diag.Input, Message: "cannot read the policy: " + msg})
		case errors.As(r.err, &errs):
			ds = append(ds, b.astErrors(errs)...)
		case r.err != nil:
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Code: "policy/read", Kind: diag.Input, Message: fmt.Sprintf("reading policies in %s: %v", d.Name, r.err)})
		default:
			if builtin {
				b.builtin[r.file.Name] = true
			}
			modules[r.file.Name] = r.m
		}
	}
	return ds
}

// parseModule parses a policy as Rego v1. A repository's policy that is
// not Rego v1 is parsed again as Rego v0, the syntax of OPA before 1.0
// (deny[msg] { ... }) in which many conftest policies are written; OPA
// compiles modules of both versions together. When it is neither, the
// error is Rego v1's, saying how to convert a v0 policy.
func parseModule(name string, src []byte, allowV0 bool) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err == nil || !allowV0 {
		return m, err
	}
	if m0, err0 := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV0}); err0 == nil {
		return m0, nil
	}
	// Rego v1's "`if` keyword is required before rule body" and the like
	// mean a v0 policy with a mistake of its own: say how they differ.
	var errs ast.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			if strings.Contains(e.Message, "keyword is required") {
				e.Message += " (kiln reads Rego v1, and Rego v0 for a repository's policies; `opa fmt --rego-v1` converts a v0 policy)"
			}
		}
	}
	return m, err
}

// astErrors turns OPA's parse and compile errors into diagnostics at the
// policy's own line and column.
func (b *Bundle) astErrors(errs ast.Errors) diag.List {
	var ds diag.List
	for _, e := range errs {
		code, msg := "policy/"+strings.ReplaceAll(e.Code, "_", "-"), e.Message
		if refused := refusedCall(msg); refused != msg {
			code, msg = "policy/sandbox", refused
		}
		ds = append(ds, diag.Diagnostic{Pos: b.pos(e.Location), End: b.pos(e.Location), Severity: diag.Error, Code: code, Message: msg, Kind: diag.Input})
	}
	return ds
}

func (b *Bundle) pos(loc *ast.Location) source.Pos {
	if loc == nil {
		return source.Pos{}
	}
	f, ok := b.files[loc.File]
	if !ok {
		return source.Pos{}
	}
	return f.PosIn(source.Rego, loc.Row, loc.Col)
}

// declare records the rules module m defines: a kiln rule for a package
// under kiln.rules, one conftest rule per deny/warn/violation of package
// main.
func (b *Bundle) declare(file string, m *ast.Module, namespaces map[string]bool) diag.List {
	pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
	builtin := b.builtin[file]
	line := m.Package.Location.Row
	if name, ok := strings.CutPrefix(pkg, "kiln.rules."); ok && !strings.Contains(name, ".") {
		r, err := ruleOf(file, m)
		if err != nil {
			p := b.pos(m.Package.Location)
			return diag.List{{Pos: p, End: p, Severity: diag.Error, Code: "policy/metadata", Kind: diag.Input, Message: err.Error()}}
		}
		r.Builtin, r.Line = builtin, line
		if other, dup := b.ruleByID(r.ID); dup {
			p := b.pos(m.Package.Location)
			return diag.List{{Pos: p, End: p, Severity: diag.Error, Code: "policy/metadata", Kind: diag.Input,
				Message: fmt.Sprintf("rule id %s is already declared by %s", r.ID, other.File)}}
		}
		b.rules[name] = r
		return nil
	}
	if !namespaces[pkg] || builtin {
		return nil
	}
	for _, rule := range m.Rules {
		kind := rule.Head.Name.String()
		if kind == "" && len(rule.Head.Reference) > 0 {
			kind = rule.Head.Reference[0].Value.String()
		}
		sev, ok := conftestSeverity(kind)
		if !ok || len(rule.Head.Args) > 0 { // a function is a helper, not a verdict
			continue
		}
		id := pkg + "." + kind
		if _, seen := b.rules[id]; !seen {
			b.rules[id] = Rule{ID: id, Title: "conftest " + kind + " rules of package " + pkg, Severity: sev, Conftest: true,
				Package: m.Package.Path.String(), File: file, Line: rule.Location.Row,
				Description: "A conftest-style policy of the repository, run on each document as conftest would.",
				Remediation: "See the policy's message."}
		}
	}
	return nil
}

func (b *Bundle) ruleByID(id string) (Rule, bool) {
	for _, r := range b.rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
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
			return r, fmt.Errorf("custom.severity %q of the rule's METADATA is not error, warning or info", sev)
		}
	}
	if r.ID == "" || r.Title == "" || r.Description == "" || r.Remediation == "" {
		return r, fmt.Errorf("a rule under kiln.rules needs a METADATA block with a title, a description and custom id, severity and remediation")
	}
	return r, nil
}

// withAPIs is data with kiln's table of deprecated and removed
// Kubernetes APIs under data.kiln.apis, which the removed-api and
// deprecated-api rules read; data itself is not changed.
func withAPIs(data map[string]any) map[string]any {
	out := maps.Clone(data)
	if out == nil {
		out = map[string]any{}
	}
	own, _ := out["kiln"].(map[string]any)
	own = maps.Clone(own)
	if own == nil {
		own = map[string]any{}
	}
	own["apis"] = apiversions.Data()
	out["kiln"] = own
	return out
}

// prepare makes the queries evaluation runs: kiln rules over the whole
// input with the run's context under data.kiln.context (and the inventory,
// its index and the input's objects by kind and name, which kiln builds in
// Go, where lib.rego reads them), and conftest rules over one document.
//
// The kiln query collects every finding in one comprehension: OPA leaves a
// with and comes back for each result of the expression it modifies, and
// drops what it cached of the rules each time, so that a query yielding
// findings one by one would compute lib.rego's helpers again after each.
func (b *Bundle) prepare(ctx context.Context, compiler *ast.Compiler, modules map[string]*ast.Module, data map[string]any) error {
	store := inmem.NewFromObject(withAPIs(data))
	var err error
	b.kiln, err = rego.New(
		rego.Compiler(compiler),
		rego.Store(store),
		rego.Query("fs := [[name, f] | f := data.kiln.rules[name].deny[_]] with data.kiln.context as input.context with data.kiln.inventory as input.inventory with data.kiln.index as input.index with data.kiln.own as input.own with data.kiln.workloads as input.workloads with data.kiln.containers as input.containers"),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return err
	}
	b.conftest, err = b.prepareConftest(ctx, compiler, modules, store)
	return err
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

// Known reports whether id names a rule of the bundle's policies, even a
// disabled one.
func (b *Bundle) Known(id string) bool { return b.known[id] }

// Rule returns the rule with the given id.
func (b *Bundle) Rule(id string) (Rule, bool) { return b.ruleByID(id) }

// Files names the bundle's policy files, sorted.
func (b *Bundle) Files() []string { return slices.Sorted(maps.Keys(b.files)) }

// Related are the places that explain a finding of rule r: the rule in
// the repository's policy (a built-in rule has its documentation
// instead) and the configuration line that sets its severity.
func (b *Bundle) Related(r Rule) []diag.Related {
	if b == nil {
		return nil
	}
	var out []diag.Related
	if f := b.files[r.File]; f != nil && !r.Builtin && r.Line > 0 && r.Line <= f.Lines() {
		pos := f.PosAt(r.Line, 1)
		out = append(out, diag.Related{Pos: pos, End: f.Pos(pos.Offset + len(f.Line(r.Line))), Message: "the rule " + r.ID})
	}
	if o, ok := b.override[r.ID]; ok {
		out = append(out, o)
	}
	return out
}

// File returns the source of a policy file, as Rule.File names it.
func (b *Bundle) File(name string) *source.File { return b.files[name] }
