package apptest

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

var loaded struct {
	sync.Once
	schema *schema.Schema
	opts   build.Options
	err    error
}

// target loads an app definition with the schema, the Kubernetes
// validator and the built-in guardrails.
func target(t *testing.T, src string) Target {
	t.Helper()
	loaded.Do(func() {
		if loaded.schema, loaded.err = schema.Load(); loaded.err != nil {
			return
		}
		if loaded.opts.Validator, loaded.err = validate.For(""); loaded.err != nil {
			return
		}
		loaded.opts.Policy, loaded.err = guard.Builtin()
	})
	if loaded.err != nil {
		t.Fatal(loaded.err)
	}
	dir := t.TempDir()
	doc, ds := load.Load(source.NewFile(filepath.Join(dir, "kiln.yaml"), []byte(src)), load.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return Target{Doc: doc, Schema: loaded.schema, Build: loaded.opts}
}

// run parses a kiln_test.yaml and runs it, failing the test on a parse
// error; it returns each case's failures, one line per failure
// ("LINE: MESSAGE [CODE]"), by case name.
func run(t *testing.T, tg Target, src string) map[string][]string {
	t.Helper()
	dir := filepath.Dir(tg.Doc.File.Name)
	s, ds := Parse(source.NewFile(filepath.Join(dir, "kiln_test.yaml"), []byte(src)))
	if ds != nil {
		t.Fatalf("parse: %v", ds)
	}
	out := map[string][]string{}
	for _, r := range Run(s, tg, Options{}) {
		out[r.Case.Name] = lines(r)
	}
	return out
}

func lines(r CaseResult) []string {
	out := []string{}
	for _, d := range r.Failures {
		line, _ := d.Pos.LineCol()
		out = append(out, strings.Join([]string{itoa(line), ": ", d.Message, " [", d.Code, "]"}, ""))
	}
	return out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

const webApp = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: web, owner: team-web}
spec:
  image: ghcr.io/acme/web:1.2.0
  port: 8080
`

// An assertion that does not apply to the value it looks at cannot run:
// that fails the case, with not: true as without it.
func TestCannotRunIsNeverAPass(t *testing.T) {
	tg := target(t, webApp)
	port := "path: \"spec.template.spec.containers[0].ports[0].containerPort\""
	asserts := map[string]string{
		"matchRegex on a number":        "matchRegex: {" + port + ", pattern: x}\n        kind: Deployment",
		"notMatchRegex on a number":     "notMatchRegex: {" + port + ", pattern: x}\n        kind: Deployment",
		"contains in a number":          "contains: {" + port + ", content: 8}\n        kind: Deployment",
		"notContains in a number":       "notContains: {" + port + ", content: 8}\n        kind: Deployment",
		"contains a map in a string":    "contains: {path: metadata.name, content: {a: 1}}\n        kind: Deployment",
		"notContains a map in a string": "notContains: {path: metadata.name, content: {a: 1}}\n        kind: Deployment",
		"contains a string in a map":    "contains: {path: metadata, content: web}\n        kind: Deployment",
		"lengthEqual of a scalar":       "lengthEqual: {path: metadata.name, count: 3}\n        kind: Deployment",
		"isKind of the Dockerfile":      "isKind: {of: Deployment}\n        artifact: dockerfile",
	}
	for _, not := range []string{"", "\n        not: true"} {
		var src strings.Builder
		src.WriteString("tests:\n")
		for name, a := range asserts {
			src.WriteString("  - it: " + name + "\n    asserts:\n      - " + a + not + "\n")
		}
		tg.Dockerfile = source.NewFile("Dockerfile", []byte("FROM scratch\n"))
		got := run(t, tg, src.String())
		for name := range asserts {
			if len(got[name]) != 1 || !strings.Contains(got[name][0], "so the assertion cannot run") {
				t.Errorf("%s%s: %v", name, strings.TrimSpace(not), got[name])
			}
		}
	}
}

// A policy assertion names a rule kiln runs; a typo is an error, which
// not: true does not turn into a pass.
func TestPolicyOfAnUnknownRule(t *testing.T) {
	got := run(t, target(t, webApp), `tests:
  - it: typo
    asserts:
      - policy: {rule: image-pined}
        not: true
  - it: known
    asserts:
      - policy: {rule: image-pinned}
        not: true
`)
	if want := "4: no rule image-pined is loaded; did you mean image-pinned? (kiln rules lists them), so the assertion cannot run [test/policy]"; len(got["typo"]) != 1 || got["typo"][0] != want {
		t.Errorf("typo: %v", got["typo"])
	}
	if len(got["known"]) != 0 {
		t.Errorf("known: %v", got["known"])
	}
}

// policy and failedBuild judge the case's environment, not the others.
func TestPolicyAndFailedBuildSeeTheCasesEnvironment(t *testing.T) {
	tg := target(t, webApp+`  sla: {availability: 99.5}
  environments:
    staging:
      image: ghcr.io/acme/web:latest
    dev:
      image: ghcr.io/acme/web:latest
    qa:
      resources: {cpu: 100m, memory: 128Mi, memoryLimit: 64Mi}
    prod: {}
`)
	got := run(t, tg, `tests:
  - it: prod is pinned
    env: prod
    asserts:
      - policy: {rule: image-pinned}
        not: true
      - failedBuild: {}
        not: true
      - exists: {path: spec}
        kind: Deployment
  - it: staging is not
    env: staging
    asserts:
      - policy: {rule: image-pinned}
  - it: qa does not build
    env: qa
    asserts:
      - failedBuild: {errorPattern: "below its request"}
`)
	for name, fails := range got {
		if len(fails) != 0 {
			t.Errorf("%s: %v", name, fails)
		}
	}
}

// A set value the schema refuses is reported once, at the set line.
func TestSetValueTheSchemaRefuses(t *testing.T) {
	got := run(t, target(t, webApp), `tests:
  - it: bad port
    set:
      spec.port: eighty
    asserts:
      - exists: {path: spec}
        kind: Deployment
      - exists: {path: metadata}
        kind: Deployment
  - it: index out of range
    set:
      spec.waivers[3].reason: x
    asserts:
      - exists: {path: spec}
        kind: Deployment
`)
	if f := got["bad port"]; len(f) != 1 || !strings.HasPrefix(f[0], "4: the case's set makes the app invalid: ") || !strings.HasSuffix(f[0], "[test/set]") {
		t.Errorf("bad port: %v", f)
	}
	if f := got["index out of range"]; len(f) != 1 || f[0] != `12: set spec.waivers[3].reason: spec has no field "waivers" to index, so the case cannot run [test/set]` {
		t.Errorf("index out of range: %v", f)
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string][]string{
		"": {"1: the test file is empty; a test file is a map with suite and tests (docs/testing.md) [load/empty]"},
		"tests:\n  - it: a\n    asserts:\n      - exists: {path: a}\n  - it: a\n    asserts:\n      - exists: {path: b}\n": {
			`5: a case named "a" is already at line 2; each case needs its own it (snapshots and --run tell cases apart by it) [test/invalid]`},
		"tests:\n  - it: a\n    asserts:\n      - equals: {path: a, value: 1}\n": {
			"4: unknown assertion equals (known: contains, equal, exists, failedBuild, hasDocuments, isKind, isSubset, lengthEqual, matchRegex, matchSnapshot, notContains, notEqual, notExists, notMatchRegex, policy; and kind, name, artifact, not) [test/invalid]"},
		"tests:\n  - it: a\n    asserts:\n      - policy: {rule: image-pinned}\n        kind: Deployment\n      - failedBuild: {}\n        artifact: helm\n        name: web\n": {
			"5: policy judges the whole build of the case's environment; it takes no kind [test/invalid]",
			"7: failedBuild judges the whole build of the case's environment; it takes no artifact [test/invalid]",
			"8: failedBuild judges the whole build of the case's environment; it takes no name [test/invalid]"},
		"tests:\n  - it: a\n    asserts:\n      - matchSnapshot: {}\n        not: true\n": {
			"5: not does not apply to matchSnapshot: a snapshot either matches or fails [test/invalid]"},
		"tests:\n  - it: a\n    set: {spec..port: 1}\n    asserts:\n      - exists: {path: \"a.[0]\"}\n      - exists: {path: \"x]\"}\n      - exists: {path: \"c[ name = x ]\"}\n": {
			"3: set spec..port: empty field name between '..' [test/invalid]",
			"5: path a.[0]: '.[' has no field name; write a[0], not a.[0] [test/invalid]",
			`6: path x]: ']' in a field name; write ["..."] for a name that holds punctuation [test/invalid]`,
			"7: path c[ name = x ]: [ name = x ] is not KEY=VALUE (no spaces, quotes or empty sides) [test/invalid]"},
	} {
		_, ds := Parse(source.NewFile("kiln_test.yaml", []byte(src)))
		var got []string
		for _, d := range ds {
			line, _ := d.Pos.LineCol()
			got = append(got, itoa(line)+": "+d.Message+" ["+d.Code+"]")
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	}
}

// A rule's verdict is told from a build error by the rule being loaded,
// not by how its id is spelled: a repository rule whose id holds a slash
// fires for a policy assertion, rather than counting as a build error.
func TestPolicyOfARuleWhoseIDHoldsASlash(t *testing.T) {
	src := `# METADATA
# title: No services
# description: A test rule.
# custom:
#   id: acme/no-services
#   severity: error
#   remediation: Remove it.
package kiln.rules.no_services

import rego.v1

deny contains {"kind": "Service", "name": o.metadata.name, "path": "spec", "msg": "no services"} if {
	some o in input.objects
	o.kind == "Service"
}
`
	b, ds := guard.Load(context.Background(), guard.Options{Dirs: []guard.Dir{{Name: "policy", FS: fstest.MapFS{"no_services.rego": {Data: []byte(src)}}}}})
	if ds != nil {
		t.Fatal(ds)
	}
	tg := target(t, webApp)
	tg.Build.Policy = b
	got := run(t, tg, `tests:
  - it: fires
    asserts:
      - policy: {rule: acme/no-services}
`)
	if len(got["fires"]) != 0 {
		t.Errorf("fires: %v", got["fires"])
	}
}

// Cases without settings that look at the same artifacts share one build;
// a case with settings, or other artifacts, builds its own; and what one
// case does to its findings leaves the shared build's alone.
func TestCasesWithoutSettingsShareOneBuild(t *testing.T) {
	tg := target(t, "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: web, owner: team-a}\nspec:\n  image: nginx:latest\n  port: 8080\n")
	a, ds := check.Check(tg.Doc, tg.Schema)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	memo := builds{}
	opts := tg.Build
	opts.Emit = build.Artifacts{K8s: true}
	r1, ds1 := memo.build(tg.Doc, a, opts, false)
	if len(ds1) == 0 {
		t.Fatal("the app's unpinned image should give findings to share")
	}
	ds1[0].Message = "changed by a case"
	r2, ds2 := memo.build(tg.Doc, a, opts, false)
	if r1 != r2 {
		t.Error("a second case without settings built the app again")
	}
	if ds2[0].Message == "changed by a case" {
		t.Error("a case's change to its findings reached the next case")
	}
	if r3, _ := memo.build(tg.Doc, a, opts, true); r3 == r1 {
		t.Error("a case with settings was given the build without them")
	}
	opts.Emit.Catalog = true
	if r4, _ := memo.build(tg.Doc, a, opts, false); r4 == r1 {
		t.Error("a case with other artifacts was given another case's build")
	}
}
