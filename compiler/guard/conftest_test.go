package guard

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestConftestExceptions follows conftest's policy/engine.go: an exception
// names a rule without its deny_, violation_ or warn_ prefix (so "no_team"
// excepts deny_no_team and warn_no_team alike, and "" excepts plain deny),
// and excepts every result of that rule for the document it holds for.
func TestConftestExceptions(t *testing.T) {
	src := `package main

import rego.v1

deny contains "plain" if true
deny_no_team contains "deny no team" if true
warn_no_team contains "warn no team" if true
violation_size contains "size" if true

exception contains ["no_team"] if input.metadata.name == "a"
exception contains [""] if input.metadata.name == "b"
`
	b, ds := Load(context.Background(), Options{NoBuiltin: true, Dirs: userDir(map[string]string{"p.rego": src})})
	if ds != nil {
		t.Fatal(ds)
	}
	doc := func(name string) map[string]any {
		return map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": name}}
	}
	found, err := b.Eval(context.Background(), Input{Objects: []map[string]any{doc("a"), doc("b"), doc("c")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		mark := "counts"
		if f.Exception != "" {
			mark = "excepted by " + f.Exception
		}
		got = append(got, f.Name+" "+f.Rule.ID+" "+mark)
	}
	want := []string{
		`a main.deny counts`,
		`a main.deny_no_team excepted by data.main.exception[_][_] == "no_team"`,
		`a main.violation_size counts`,
		`a main.warn_no_team excepted by data.main.exception[_][_] == "no_team"`,
		`b main.deny excepted by data.main.exception[_][_] == ""`,
		`b main.deny_no_team counts`,
		`b main.violation_size counts`,
		`b main.warn_no_team counts`,
		`c main.deny counts`,
		`c main.deny_no_team counts`,
		`c main.violation_size counts`,
		`c main.warn_no_team counts`,
	}
	got = sorted(got)
	if strings.Join(got, "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(sorted(want), "\n"))
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestConftestRuleNames follows conftest's warningRegex and failureRegex:
// deny_ with an empty or underscore-led suffix is not a rule conftest runs.
func TestConftestRuleNames(t *testing.T) {
	for name, runs := range map[string]bool{"deny": true, "warn_a_b1": true, "violation_x": true, "deny_": false, "deny__x": false, "denyx": false, "exception": false} {
		if _, ok := conftestSeverity(name); ok != runs {
			t.Errorf("%s: runs = %v, want %v", name, ok, runs)
		}
	}
}
