package guard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/dockerfile"
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
	ch, err := tester.NewRunner().SetModules(modules).RaiseBuiltinErrors(true).RunTests(context.Background(), nil)
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
	if len(b.Rules()) < 25 {
		t.Fatalf("%d rules", len(b.Rules()))
	}
	for _, r := range b.Rules() {
		test, err := fs.ReadFile(policies.FS, strings.TrimSuffix(strings.TrimPrefix(r.File, "policies/"), ".rego")+"_test.rego")
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

func userDir(files map[string]string) []Dir {
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return []Dir{{Name: "policy", FS: fsys}}
}

// hostCalls use each refused builtin against a loopback server and a file
// holding a marker, for the sandbox tests.
func hostCalls(url, file string) map[string]string {
	return map[string]string{
		"http.send":          fmt.Sprintf(`http.send({"method": "get", "url": %q})`, url),
		"net.lookup_ip_addr": `net.lookup_ip_addr("localhost")`,
		"opa.runtime":        `opa.runtime().env.HOME`,
		"json.match_schema":  fmt.Sprintf(`json.match_schema({}, {"allOf": [{"$ref": %q}, {"$ref": %q}]})`, "file://"+file, url),
		"json.verify_schema": fmt.Sprintf(`json.verify_schema({"allOf": [{"$ref": %q}, {"$ref": %q}]})`, "file://"+file, url),
	}
}

// sandboxFixture returns a loopback server counting its requests and a
// file whose content must never appear anywhere.
func sandboxFixture(t *testing.T) (url, file string, requests *atomic.Int32) {
	requests = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.WriteString(w, `{"type": "string", "description": "MARKER-FROM-THE-NETWORK"}`)
	}))
	t.Cleanup(srv.Close)
	file = filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(file, []byte(`{"type": "string", "description": "MARKER-FROM-A-FILE"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/s.json", file, requests
}

func TestSandboxRefusesHostAccess(t *testing.T) {
	url, file, requests := sandboxFixture(t)
	for name, call := range hostCalls(url, file) {
		if _, ok := Refused[name]; !ok {
			t.Errorf("%s is not in Refused", name)
		}
		src := "package main\nimport rego.v1\ndeny contains 1 if " + call + "\n"
		b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"x.rego": src}), NoBuiltin: true})
		if len(ds) == 0 {
			b.Eval(context.Background(), Input{Objects: []map[string]any{{"kind": "Service"}}})
			t.Errorf("a policy calling %s compiled", name)
			continue
		}
		if !strings.Contains(ds[0].Message, name+" is not available to guardrails") {
			t.Errorf("%s: %v", name, ds[0].Message)
		}
		if line, _ := ds[0].Pos.LineCol(); ds[0].Pos.File == nil || ds[0].Pos.File.Name != "policy/x.rego" || line != 3 {
			t.Errorf("%s: error not at policy/x.rego:3: %v", name, ds[0])
		}
		for _, d := range ds {
			if strings.Contains(d.Message, "MARKER") {
				t.Errorf("%s: a diagnostic shows what it read: %s", name, d.Message)
			}
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the policies made %d requests", n)
	}
}

// TestSandboxInTests: kiln test runs Rego tests in the same sandbox.
func TestSandboxInTests(t *testing.T) {
	url, file, requests := sandboxFixture(t)
	for name, call := range hostCalls(url, file) {
		src := "package main\nimport rego.v1\ntest_reach if " + call + "\n"
		res, ds := RunTests(context.Background(), userDir(map[string]string{"x_test.rego": src}))
		if len(ds) == 0 {
			t.Errorf("a test calling %s ran: %+v", name, res)
			continue
		}
		if line, _ := ds[0].Pos.LineCol(); !strings.Contains(ds[0].Message, name+" is not available") || line != 3 {
			t.Errorf("%s: %d: %s", name, line, ds[0].Message)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the tests made %d requests", n)
	}
}

// TestSandboxIgnoresMetadataSchemas: a schema in a METADATA block is not
// loaded, so its $ref reaches nothing.
func TestSandboxIgnoresMetadataSchemas(t *testing.T) {
	url, file, requests := sandboxFixture(t)
	src := fmt.Sprintf(`package main

import rego.v1

# METADATA
# schemas:
#   - input: {"allOf": [{"$ref": %q}, {"$ref": %q}]}
deny contains input.kind if input.kind == "Service"
`, url, "file://"+file)
	b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"x.rego": src}), NoBuiltin: true})
	if ds != nil {
		t.Fatal(ds)
	}
	if _, err := b.Eval(context.Background(), Input{Objects: []map[string]any{{"kind": "Service"}}}); err != nil {
		t.Fatal(err)
	}
	if _, ds := RunTests(context.Background(), userDir(map[string]string{"x.rego": src, "x_test.rego": "package main\nimport rego.v1\ntest_x if true\n"})); ds != nil {
		t.Fatal(ds)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("loading a METADATA schema made %d requests", n)
	}
}

// TestEveryBuiltinIsReviewed: the builtins of OPA are listed in
// testdata/builtins.txt, each either refused or known to compute on its
// arguments alone. A new OPA version that adds one fails here until it
// has been looked at and added to the list (or to Refused).
func TestEveryBuiltinIsReviewed(t *testing.T) {
	b, err := os.ReadFile("testdata/builtins.txt")
	if err != nil {
		t.Fatal(err)
	}
	reviewed := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			reviewed[l] = true
		}
	}
	for _, bi := range ast.CapabilitiesForThisVersion().Builtins {
		if !reviewed[bi.Name] {
			t.Errorf("OPA's builtin %s is not in testdata/builtins.txt: does it read files, the environment or the network? If so, add it to Refused", bi.Name)
		}
	}
	for _, bi := range sandbox().Builtins {
		if _, refused := Refused[bi.Name]; refused {
			t.Errorf("%s is still in the sandbox", bi.Name)
		}
	}
}

func TestUserRulesConftestPoliciesAndData(t *testing.T) {
	dirs := userDir(map[string]string{
		"mine.rego": `# METADATA
# title: Teams label their Services
# description: Our routing needs it.
# custom:
#   id: team-label
#   severity: warning
#   remediation: Add a team label.
package kiln.rules.team_label

import rego.v1

deny contains {"kind": o.kind, "name": o.metadata.name, "path": "metadata.labels", "msg": sprintf("no team label (env %s, allowed %v)", [data.kiln.context.environment, data.teams])} if {
	some o in input.objects
	o.kind == "Service"
	not o.metadata.labels.team
}
`,
		"conftest.rego": `package main

import rego.v1

deny contains msg if {
	input.kind == "Service"
	msg := sprintf("Service %s: conftest says no", [input.metadata.name])
}

warn contains {"msg": "a warning object"} if input.kind == "Service"

violation contains {"msg": "dockerfile from", "details": 1} if input[0].Cmd == "from"
`,
		"conftest_test.rego": "package main\nthis is not even rego, and tests are not part of the bundle\n",
	})
	b, ds := Load(context.Background(), Options{Dirs: dirs, NoBuiltin: true, Data: map[string]any{"teams": []any{"a"}},
		Severity: map[string]diag.Severity{"main.warn": diag.Info}})
	if ds != nil {
		t.Fatal(ds)
	}
	var ids []string
	for _, r := range b.Rules() {
		ids = append(ids, r.ID+":"+r.Severity.String())
	}
	if got := strings.Join(ids, " "); got != "main.deny:error main.violation:error main.warn:info team-label:warning" {
		t.Errorf("rules: %s", got)
	}
	found, err := b.Eval(context.Background(), Input{
		Environment: "prod", Context: Context{Environment: "prod"},
		Objects:    []map[string]any{{"kind": "Service", "metadata": map[string]any{"name": "web"}}},
		Dockerfile: []dockerfile.Instruction{{Command: "from", Args: []string{"x:1"}, Line: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, fmt.Sprintf("%s %s %d %s", f.Rule.ID, f.Severity, f.Object, f.Message))
	}
	want := []string{
		"main.deny error 0 Service web: conftest says no",
		"main.violation error -1 dockerfile from",
		"main.warn info 0 a warning object",
		"team-label warning 0 no team label (env prod, allowed [\"a\"])",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBrokenPoliciesArePositioned(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"no metadata": {"package kiln.rules.x\nimport rego.v1\ndeny contains 1 if true\n", "policy/x.rego:1:1: a rule under kiln.rules needs a METADATA block"},
		"syntax":      {"package main\nimport rego.v1\ndeny contains msg if {\n", "policy/x.rego:4:1: unexpected eof"},
	} {
		_, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"x.rego": c.src}), NoBuiltin: true})
		if len(ds) == 0 {
			t.Errorf("%s: loaded", name)
			continue
		}
		line, col := ds[0].Pos.LineCol()
		got := fmt.Sprintf("%s:%d:%d: %s", ds[0].Pos.File.Name, line, col, ds[0].Message)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: got %q, want prefix %q", name, got, c.want)
		}
	}
}

func TestAPolicyThatFailsNamesItsRuleAndLine(t *testing.T) {
	src := `# METADATA
# title: T
# description: D.
# custom:
#   id: broken
#   severity: error
#   remediation: R.
package kiln.rules.broken

import rego.v1

deny contains msg if {
	msg := concat(", ", input.environment)
}
`
	b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"broken.rego": src}), NoBuiltin: true})
	if ds != nil {
		t.Fatal(ds)
	}
	_, err := b.Eval(context.Background(), Input{Environment: "prod"})
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want an EvalError", err)
	}
	d := ee.Diagnostic()
	line, _ := d.Pos.LineCol()
	if ee.Rule != "broken" || d.Pos.File == nil || d.Pos.File.Name != "policy/broken.rego" || line != 13 || !strings.Contains(d.Message, "rule broken failed") {
		t.Errorf("got %+v at %v:%d", ee, d.Pos.File, line)
	}
}

func TestDisabledRulesDoNotRun(t *testing.T) {
	b, ds := Load(context.Background(), Options{Disabled: map[string]bool{"image-pinned": true}})
	if ds != nil {
		t.Fatal(ds)
	}
	if _, ok := b.Rule("image-pinned"); ok || !b.Known("image-pinned") {
		t.Error("a disabled rule is still in the bundle, or no longer known")
	}
	found, _ := b.Eval(context.Background(), Input{Objects: []map[string]any{{"kind": "Deployment", "metadata": map[string]any{"name": "a"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "a", "image": "nginx"}}}}}}}})
	for _, f := range found {
		if f.Rule.ID == "image-pinned" {
			t.Error("a disabled rule fired")
		}
	}
}

func TestEvalFindsAndSorts(t *testing.T) {
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	input := Input{Environment: "prod", App: map[string]any{"spec": map[string]any{}}, Context: Context{Environment: "prod", Production: true},
		Objects: []map[string]any{{"kind": "Deployment", "metadata": map[string]any{"name": "a", "labels": map[string]any{}},
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
	want := "default-service-account drop-capabilities image-pinned literal-secrets network-policy no-privilege-escalation no-service-account-token owner-label probes-present probes-present read-only-root-filesystem resources-set resources-set resources-set run-as-non-root seccomp-profile sla-declared"
	if got != want {
		t.Errorf("rules fired: %s\nwant:        %s", got, want)
	}
}

// TestRulesAreFormatted is gofmt for the built-in policies: each file is as
// opa fmt writes it.
func TestRulesAreFormatted(t *testing.T) {
	fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, _ := fs.ReadFile(policies.FS, p)
		out, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1,
			ParserOptions: &ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1}})
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if string(out) != string(src) {
			t.Errorf("policies/%s is not formatted as opa fmt would", p)
		}
		return nil
	})
}

// TestRegoTestsHaveStrictBuiltinErrors: a builtin error fails a Rego test,
// as it fails the guardrails, instead of making the body undefined.
func TestRegoTestsHaveStrictBuiltinErrors(t *testing.T) {
	src := "package main\nimport rego.v1\nquantity(q) if regex.match(`^[0-9]+$`, q)\ntest_number_is_no_quantity if not quantity(input.q) with input as {\"q\": 1}\n"
	res, ds := RunTests(context.Background(), userDir(map[string]string{"x_test.rego": src}))
	if ds != nil || len(res) != 1 {
		t.Fatal(res, ds)
	}
	if res[0].Passed || !strings.Contains(res[0].Message, "eval_type_error") {
		t.Errorf("%+v", res[0])
	}
}

// TestConftestPolicies: conftest's rule names with suffixes run, Rego v0
// policies as conftest users write them run beside v1 ones, and conftest
// rules read the run's context as kiln's do.
func TestConftestPolicies(t *testing.T) {
	dirs := userDir(map[string]string{
		"v0.rego": `package main

deny[msg] {
	input.kind == "Deployment"
	msg := sprintf("v0 deny of %s", [input.metadata.name])
}

warn_no_owner[msg] {
	not input.metadata.labels.owner
	msg := "v0 warn_no_owner"
}
`,
		"v1.rego": `package main

import rego.v1

deny_latest contains msg if {
	input.kind == "Deployment"
	msg := sprintf("deny_latest in %s (production %v)", [data.kiln.context.environment, data.kiln.context.production])
}

violation_x contains {"msg": "violation_x"} if input.kind == "Deployment"

denial contains "not a conftest rule" if true

deny_helper(x) := x
`,
		"v0_test.rego": `package main

test_deny_v0 {
	deny["v0 deny of a"] with input as {"kind": "Deployment", "metadata": {"name": "a"}}
}
`,
	})
	b, ds := Load(context.Background(), Options{Dirs: dirs, NoBuiltin: true})
	if ds != nil {
		t.Fatal(ds)
	}
	var ids []string
	for _, r := range b.Rules() {
		ids = append(ids, r.ID+":"+r.Severity.String())
	}
	if got := strings.Join(ids, " "); got != "main.deny:error main.deny_latest:error main.violation_x:error main.warn_no_owner:warning" {
		t.Errorf("rules: %s", got)
	}
	found, err := b.Eval(context.Background(), Input{Environment: "prod", Context: Context{Environment: "prod", Production: true},
		Objects: []map[string]any{{"kind": "Deployment", "metadata": map[string]any{"name": "a"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Rule.ID+": "+f.Message)
	}
	want := "main.deny: v0 deny of a\nmain.deny_latest: deny_latest in prod (production true)\nmain.violation_x: violation_x\nmain.warn_no_owner: v0 warn_no_owner"
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	res, ds := RunTests(context.Background(), dirs)
	if ds != nil || len(res) != 1 || !res[0].Passed {
		t.Errorf("the v0 test: %+v %v", res, ds)
	}
}

func TestNeitherRegoV1NorV0SaysHowToConvert(t *testing.T) {
	_, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"x.rego": "package main\n\ndeny[msg] {\n\tmsg := \"x\"\n}\n\nwarn contains \"y\" if true\n"}), NoBuiltin: true})
	if len(ds) == 0 || !strings.Contains(ds[0].Message, "opa fmt --rego-v1") {
		t.Errorf("%v", ds)
	}
}
