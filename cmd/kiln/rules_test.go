package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/cmd/kiln/cli"
	"github.com/kilnhq/kiln/compiler/guard"
)

// TestRulesDocUpToDate fails when docs/rules.md no longer says what the
// rules' metadata and examples say. make docs rewrites it.
func TestRulesDocUpToDate(t *testing.T) {
	got, err := cli.RulesReference()
	if err != nil {
		t.Fatal(err)
	}
	const name = "../../docs/rules.md"
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil || string(want) != got {
		t.Fatal("docs/rules.md is stale: it differs from what the rules' METADATA and examples generate; run: make docs")
	}
}

// TestRuleExamples lints every built-in rule's failing and passing example
// with kiln itself, as a user would: the failing one must make the rule
// fire, the passing one must not, and both must be checkable.
func TestRuleExamples(t *testing.T) {
	b, err := guard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range b.Rules() {
		for _, verdict := range []string{"fail", "pass"} {
			dir := filepath.Join("..", "..", "policies", "testdata", r.ID, verdict)
			if _, err := os.Stat(dir); err != nil {
				t.Errorf("%s: no %s example (%s)", r.ID, verdict, dir)
				continue
			}
			codes, code, stderr := lintCodes(t, dir)
			if code == cli.ExitBadInput {
				t.Errorf("%s/%s: kiln could not check the example:\n%s", r.ID, verdict, stderr)
				continue
			}
			if fired := slices.Contains(codes, r.ID); fired != (verdict == "fail") {
				t.Errorf("%s/%s: rule fired: %v (findings: %v)", r.ID, verdict, fired, codes)
			}
		}
	}
}

// lintCodes runs kiln lint on dir as a production environment and returns
// the codes of its findings. An example that needs a convention of the
// repository carries its own config.yaml.
func lintCodes(t *testing.T, dir string) ([]string, int, string) {
	t.Helper()
	cfg := filepath.Join("..", "..", "policies", "testdata", "config.yaml")
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err == nil {
		cfg = filepath.Join(dir, "config.yaml")
	}
	args := []string{"lint", "--format", "json", "--env", "prod", "--config", cfg}
	if _, err := os.Stat(filepath.Join(dir, "data.yaml")); err == nil {
		args = append(args, "--data", filepath.Join(dir, "data.yaml"))
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append(args, dir), strings.NewReader(""), &stdout, &stderr)
	var report struct {
		Diagnostics []struct{ Code string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("%s: %v\n%s", dir, err, stderr.String())
	}
	var codes []string
	for _, d := range report.Diagnostics {
		codes = append(codes, d.Code)
	}
	return codes, code, stderr.String()
}
