package guard

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/kilnhq/kiln/compiler/diag"
)

// conftest-style policies run as conftest runs them (open-policy-agent/
// conftest at 6a3fd606, policy/engine.go and runner/test.go):
//
//   - the rules of a namespace are those named deny, violation or warn, alone
//     or with _suffixes (warningRegex, failureRegex), each evaluated on one
//     document at a time;
//   - the namespaces are those of --namespace (default main, patterns
//     matched with path.Match, as filterNamespaces does), or every package
//     with --all-namespaces (Engine.Namespaces);
//   - a rule is excepted for a document when the namespace's exception rule
//     holds a collection naming it without its deny_, violation_ or warn_
//     prefix: the query data.NS.exception[_][_] == "latest_tag" for
//     deny_latest_tag, == "" for deny itself (removeRulePrefix); every result
//     of an excepted rule for that document is then an exception, not a
//     failure.
//
// Unlike conftest, kiln refuses a policy file it would not run: a package
// that is neither a kiln rule, nor a namespace it evaluates with rules to
// run, nor imported by another policy, would otherwise pass silently.

// A conftestQuery runs the rules of one namespace over one document.
type conftestQuery struct {
	pkg        string // "main", "k8s.deployment"
	ref        string // "data.main"
	rules      rego.PreparedEvalQuery
	exceptions *rego.PreparedEvalQuery // nil when the namespace has no exception rule
}

// kilnPackage reports whether pkg is under kiln's own namespace.
func kilnPackage(pkg string) bool { return pkg == "kiln" || strings.HasPrefix(pkg, "kiln.") }

func packageOf(m *ast.Module) string { return strings.TrimPrefix(m.Package.Path.String(), "data.") }

// selectNamespaces returns the packages of the repository's policies whose
// conftest rules run. A --namespace that matches no package is an error:
// the rules it was meant to run would not.
func selectNamespaces(modules map[string]*ast.Module, builtin map[string]bool, opts Options) (map[string]bool, diag.List) {
	var pkgs []string
	for file, m := range modules {
		if pkg := packageOf(m); !builtin[file] && !kilnPackage(pkg) && !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	sort.Strings(pkgs)
	out := map[string]bool{}
	if opts.AllNamespaces {
		for _, p := range pkgs {
			out[p] = true
		}
		return out, nil
	}
	patterns := opts.Namespaces
	if len(patterns) == 0 {
		patterns = []string{"main"}
	}
	var ds diag.List
	for _, pat := range patterns {
		matched := false
		for _, p := range pkgs {
			ok, err := path.Match(pat, p)
			if err != nil {
				return nil, diag.List{{Severity: diag.Error, Code: "policy/namespace", Kind: diag.Input, Message: fmt.Sprintf("--namespace %s: %v", pat, err)}}
			}
			if ok {
				out[p], matched = true, true
			}
		}
		if !matched && len(opts.Namespaces) > 0 {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Code: "policy/namespace", Kind: diag.Input,
				Message: fmt.Sprintf("--namespace %s matches no package of the policies (%s), so its rules would not run", pat, listOr(pkgs))})
		}
	}
	return out, ds
}

func listOr(pkgs []string) string {
	if len(pkgs) == 0 {
		return "there are none"
	}
	return "they have " + strings.Join(pkgs, ", ")
}

// notRun reports every repository policy file kiln would not run: its
// package declares no kiln rule, is not a namespace evaluated with a
// deny, warn or violation rule, and no other policy refers to it.
func (b *Bundle) notRun(modules map[string]*ast.Module, namespaces map[string]bool) diag.List {
	withRules := map[string]bool{}
	for _, r := range b.rules {
		withRules[strings.TrimPrefix(r.Package, "data.")] = true
	}
	refs := referencedPackages(modules)
	var ds diag.List
	for _, file := range slices.Sorted(maps.Keys(modules)) {
		m := modules[file]
		pkg := packageOf(m)
		if b.builtin[file] || withRules[pkg] || refs.refers(pkg, file) {
			continue
		}
		p := b.pos(m.Package.Location)
		ds = append(ds, diag.Diagnostic{Pos: p, End: p, Severity: diag.Error, Code: "policy/not-run", Kind: diag.Input, Message: notRunReason(m, pkg, namespaces)})
	}
	return ds
}

func notRunReason(m *ast.Module, pkg string, namespaces map[string]bool) string {
	var evaluated []string
	for ns := range namespaces {
		evaluated = append(evaluated, ns)
	}
	sort.Strings(evaluated)
	switch {
	case strings.HasPrefix(pkg, "kiln.rules."):
		return fmt.Sprintf("kiln runs nothing of package %s: a kiln rule is a package kiln.rules.NAME, one level below kiln.rules", pkg)
	case kilnPackage(pkg):
		return fmt.Sprintf("kiln runs nothing of package %s: data.kiln is kiln's own; choose another package", pkg)
	case namespaces[pkg]:
		return fmt.Sprintf("kiln runs nothing of package %s: it declares no deny, warn or violation rule, and no policy refers to it", pkg)
	}
	kinds := conftestRules(m)
	if len(kinds) > 0 {
		return fmt.Sprintf("kiln runs nothing of package %s: its %s rules are conftest rules of a namespace this run does not evaluate (%s); pass --namespace %s or --all-namespaces, as to conftest",
			pkg, strings.Join(kinds, ", "), strings.Join(evaluated, ", "), pkg)
	}
	return fmt.Sprintf("kiln runs nothing of package %s: it is not a kiln rule (package kiln.rules.NAME), declares no deny, warn or violation rule, and no policy refers to it", pkg)
}

// conftestRules are the names of m's rules conftest would evaluate.
func conftestRules(m *ast.Module) []string {
	var out []string
	for _, r := range m.Rules {
		if kind := ruleName(r); !slices.Contains(out, kind) && len(r.Head.Args) == 0 {
			if _, ok := conftestSeverity(kind); ok {
				out = append(out, kind)
			}
		}
	}
	return out
}

func ruleName(r *ast.Rule) string {
	kind := r.Head.Name.String()
	if kind == "" && len(r.Head.Reference) > 0 {
		kind = r.Head.Reference[0].Value.String()
	}
	return kind
}

// references are the data references of each policy file, by file.
type references map[string][]string

func referencedPackages(modules map[string]*ast.Module) references {
	out := references{}
	for file, m := range modules {
		seen := map[string]bool{}
		add := func(r ast.Ref) {
			if r.HasPrefix(ast.DefaultRootRef) {
				seen[r.ConstantPrefix().String()] = true
			}
		}
		for _, imp := range m.Imports {
			if r, ok := imp.Path.Value.(ast.Ref); ok {
				add(r)
			}
		}
		ast.WalkRefs(m, func(r ast.Ref) bool { add(r); return false })
		out[file] = slices.Sorted(maps.Keys(seen))
	}
	return out
}

// refers reports whether a policy file other than file refers to pkg.
func (rs references) refers(pkg, file string) bool {
	prefix := "data." + pkg
	for other, refs := range rs {
		if other == file {
			continue
		}
		for _, r := range refs {
			if r == prefix || strings.HasPrefix(r, prefix+".") || strings.HasPrefix(r, prefix+"[") {
				return true
			}
		}
	}
	return false
}

// prepareConftest prepares, for each namespace with rules to run, the query
// of its rules and of its exception rule.
func (b *Bundle) prepareConftest(ctx context.Context, compiler *ast.Compiler, modules map[string]*ast.Module, store storage.Store) ([]conftestQuery, error) {
	kinds := map[string][]string{}
	refs := map[string]string{}
	for _, r := range b.rules {
		if r.Conftest {
			pkg := strings.TrimPrefix(r.Package, "data.")
			kinds[pkg] = append(kinds[pkg], strconv.Quote(strings.TrimPrefix(r.ID, pkg+".")))
			refs[pkg] = r.Package
		}
	}
	excepts := map[string]bool{}
	for _, m := range modules {
		for _, r := range m.Rules {
			if ruleName(r) == "exception" {
				excepts[packageOf(m)] = true
			}
		}
	}
	// The document is the input, as in conftest; the run's context and
	// inventory ride beside it and are mounted where kiln's rules read them.
	const with = ` with input as input.document with data.kiln.context as input.context with data.kiln.inventory as input.inventory with data.kiln.index as input.index`
	var out []conftestQuery
	for _, pkg := range slices.Sorted(maps.Keys(kinds)) {
		ks := kinds[pkg]
		sort.Strings(ks)
		q := conftestQuery{pkg: pkg, ref: refs[pkg]}
		var err error
		q.rules, err = rego.New(rego.Compiler(compiler), rego.Store(store), rego.StrictBuiltinErrors(true),
			rego.Query(`some kind in [`+strings.Join(ks, ", ")+`]; f := `+q.ref+`[kind][_]`+with)).PrepareForEval(ctx)
		if err != nil {
			return nil, err
		}
		if excepts[pkg] {
			e, err := rego.New(rego.Compiler(compiler), rego.Store(store), rego.StrictBuiltinErrors(true),
				rego.Query(`e := `+q.ref+`.exception[_][_]`+with)).PrepareForEval(ctx)
			if err != nil {
				return nil, err
			}
			q.exceptions = &e
		}
		out = append(out, q)
	}
	return out, nil
}

// excepted returns the rule names the namespace's exception rule holds
// for the document in input.
func (q conftestQuery) excepted(ctx context.Context, input ast.Value) (map[string]bool, error) {
	if q.exceptions == nil {
		return nil, nil
	}
	rs, err := q.exceptions.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range rs {
		if s, ok := r.Bindings["e"].(string); ok {
			out[s] = true
		}
	}
	return out, nil
}

// removeRulePrefix is the name an exception gives a rule: without its
// deny_, violation_ or warn_ prefix, and empty for deny, violation and warn
// themselves (conftest's removeRulePrefix).
func removeRulePrefix(rule string) string {
	if rule == "violation" || rule == "deny" || rule == "warn" {
		return ""
	}
	for _, p := range []string{"violation_", "deny_", "warn_"} {
		rule = strings.TrimPrefix(rule, p)
	}
	return rule
}

// ExceptionReason is why a finding a conftest exception excepts does not
// count, as reports show it beside waivers' reasons.
func ExceptionReason(query string) string { return "excepted by the policy's exception rule: " + query }
