package guard

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/policies"
)

// A TestResult is one Rego unit test (test_* rule) of a repository's
// policies, run as opa test runs it.
type TestResult struct {
	Name    string // data.main.test_single_replica_fails
	Pos     source.Pos
	Passed  bool
	Message string // why it failed
}

// RunTests runs the Rego unit tests (*_test.rego) of dirs, with the
// policies beside them and kiln's own rules (for data.kiln.lib), in the
// same sandbox as the guardrails. A policy that does not parse or compile
// is a diagnostic at its line.
func RunTests(ctx context.Context, dirs []Dir) ([]TestResult, diag.List) {
	b := &Bundle{rules: map[string]Rule{}, files: map[string]*source.File{}, builtin: map[string]bool{}, known: map[string]bool{}}
	modules := map[string]*ast.Module{}
	var ds diag.List
	add := func(d Dir, tests bool) {
		fs.WalkDir(d.FS, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || path.Ext(p) != ".rego" || (!tests && strings.HasSuffix(p, "_test.rego")) {
				return err
			}
			src, err := fs.ReadFile(d.FS, p)
			if err != nil {
				return err
			}
			name := path.Join(d.Name, p)
			b.files[name] = source.NewFile(name, src)
			m, err := parseModule(name, b.files[name].LF(), tests)
			if errs, ok := err.(ast.Errors); ok {
				ds = append(ds, b.astErrors(errs)...)
				return nil
			}
			if err != nil {
				return err
			}
			modules[name] = m
			return nil
		})
	}
	add(Dir{Name: "policies", FS: policies.FS}, false)
	for _, d := range dirs {
		add(d, true)
	}
	if len(ds) > 0 {
		return nil, ds
	}
	compiler := ast.NewCompiler().WithCapabilities(sandbox())
	// Each test case is bounded as one evaluation of the guardrails is.
	ctx, unwatch := watched(ctx, 0)
	defer unwatch()
	ch, err := tester.NewRunner().SetCompiler(compiler).SetModules(modules).RaiseBuiltinErrors(true).SetTimeout(DefaultTimeout).RunTests(ctx, nil)
	if err != nil {
		var errs ast.Errors
		if e, ok := err.(ast.Errors); ok {
			errs = e
		}
		if len(errs) > 0 {
			return nil, b.astErrors(errs)
		}
		return nil, diag.List{{Severity: diag.Error, Code: "policy/test", Kind: diag.Input, Message: err.Error()}}
	}
	var out []TestResult
	for r := range ch {
		if b.builtin[r.Location.File] || strings.HasPrefix(r.Location.File, "policies/") && !strings.HasSuffix(r.Location.File, "_test.rego") {
			continue
		}
		tr := TestResult{Name: strings.TrimPrefix(r.Package, "data.") + "." + r.Name, Pos: b.pos(r.Location), Passed: r.Pass()}
		switch {
		case r.Error != nil:
			tr.Message = fmt.Sprintf("error: %v", r.Error)
		case r.Fail:
			tr.Message = "the test's body did not hold"
		}
		out = append(out, tr)
	}
	return out, nil
}
