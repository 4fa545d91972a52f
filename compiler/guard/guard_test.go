package guard

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/kilnhq/kiln/policies"
)

// TestRegoUnitTests runs every *_test.rego of the built-in rules with OPA's
// own test runner, as `opa test policies/` would.
func TestRegoUnitTests(t *testing.T) {
	modules := map[string]*ast.Module{}
	fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, _ := fs.ReadFile(policies.FS, p)
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		modules[p] = m
		return nil
	})
	ch, err := tester.NewRunner().SetModules(modules).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for r := range ch {
		ran++
		if r.Fail || r.Error != nil {
			t.Errorf("%s.%s failed (%v)", r.Package, r.Name, r.Error)
		}
	}
	if ran < 20 {
		t.Errorf("only %d Rego tests ran", ran)
	}
}

// TestEveryRuleHasMetadataAndTests: each rule declares its identity and
// has a test that it fires and a test that it does not.
func TestEveryRuleHasMetadataAndTests(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Rules()) < 8 {
		t.Fatalf("%d rules", len(b.Rules()))
	}
	for _, r := range b.Rules() {
		test, err := fs.ReadFile(policies.FS, strings.TrimSuffix(r.File, ".rego")+"_test.rego")
		if err != nil {
			t.Errorf("%s: no test file", r.ID)
			continue
		}
		if !strings.Contains(string(test), "_fails if") || !strings.Contains(string(test), "_passes if") {
			t.Errorf("%s: needs a test_..._fails and a test_..._passes", r.ID)
		}
		if !strings.HasSuffix(r.Remediation, ".") || !strings.HasSuffix(r.Description, ".") {
			t.Errorf("%s: description and remediation must be full sentences", r.ID)
		}
	}
}

func TestSandboxRefusesHostAccess(t *testing.T) {
	for _, src := range []string{
		"package kiln.rules.x\nimport rego.v1\ndeny contains 1 if http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"})\n",
		"package kiln.rules.x\nimport rego.v1\ndeny contains 1 if opa.runtime().env.HOME\n",
	} {
		_, err := Load(context.Background(), fstest.MapFS{"x.rego": {Data: []byte(src)}})
		if err == nil || !strings.Contains(err.Error(), "undefined function") {
			t.Errorf("a policy reaching the host compiled: %v", err)
		}
	}
}

func TestEvalFindsAndSorts(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"environment": "prod", "app": map[string]any{"spec": map[string]any{}},
		"objects": []any{map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": "a", "labels": map[string]any{}},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "a", "image": "nginx", "env": []any{map[string]any{"name": "API_TOKEN", "value": "x"}}},
			}}}}}}}
	found, err := b.Eval(context.Background(), input)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range found {
		ids = append(ids, f.Rule.ID)
	}
	got := strings.Join(ids, " ")
	want := "drop-capabilities image-pinned literal-secrets network-policy no-privileged owner-label probes-present probes-present resources-set resources-set resources-set run-as-non-root sla-declared"
	if got != want {
		t.Errorf("rules fired: %s\nwant:        %s", got, want)
	}
}
