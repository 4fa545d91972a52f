package ciconfig

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func loadAction(t *testing.T) *Action {
	t.Helper()
	a, err := LoadAction("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestActionIsComposite(t *testing.T) {
	a := loadAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	if a.Name == "" || a.Description == "" {
		t.Error("an action needs a name and a description for the marketplace")
	}
	if len(a.Runs.Steps) == 0 {
		t.Fatal("no steps")
	}
}

// Every input a step reads is declared, and every declared input is read:
// the runner passes an undeclared one as an empty string, silently.
func TestActionInputsDeclaredAndUsed(t *testing.T) {
	a := loadAction(t)
	used := map[string]bool{}
	var texts []string
	for i := range a.Runs.Steps {
		texts = append(texts, a.Runs.Steps[i].Texts()...)
	}
	for _, o := range a.Outputs {
		texts = append(texts, o.Value)
	}
	for _, text := range texts {
		for _, ref := range References(text) {
			if name, ok := strings.CutPrefix(ref, "inputs."); ok {
				used[name] = true
				if _, declared := a.Inputs[name]; !declared {
					t.Errorf("input %q is used but not declared", name)
				}
			}
		}
	}
	for name, in := range a.Inputs {
		if !used[name] {
			t.Errorf("input %q is declared but no step uses it", name)
		}
		if in.Description == "" {
			t.Errorf("input %q has no description", name)
		}
	}
}

// A reference to another step's outputs names an earlier step, as only
// an earlier step can have set them.
func TestActionStepReferences(t *testing.T) {
	a := loadAction(t)
	seen := map[string]bool{}
	for i := range a.Runs.Steps {
		s := &a.Runs.Steps[i]
		for _, text := range s.Texts() {
			for _, ref := range References(text) {
				parts := strings.Split(ref, ".")
				if parts[0] == "steps" && !seen[parts[1]] {
					t.Errorf("step %q refers to %s, not an earlier step", s.Name, ref)
				}
			}
		}
		if s.ID != "" {
			if seen[s.ID] {
				t.Errorf("two steps have id %q", s.ID)
			}
			seen[s.ID] = true
		}
	}
	for name, o := range a.Outputs {
		for _, ref := range References(o.Value) {
			if parts := strings.Split(ref, "."); parts[0] == "steps" && !seen[parts[1]] {
				t.Errorf("output %q refers to %s, which no step has", name, ref)
			}
		}
	}
}

// pinned is an action at a version tag (v4, v4.2.1) or a full commit; a
// branch such as main changes under the workflow.
var pinned = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$`)

func TestActionUsesArePinned(t *testing.T) {
	a := loadAction(t)
	for _, s := range a.Runs.Steps {
		if s.Uses != "" && !pinned.MatchString(s.Uses) {
			t.Errorf("step %q uses %q, not pinned to a version or a commit", s.Name, s.Uses)
		}
	}
}

// A run step names its shell (a composite action has no default) and is
// a script that runs by itself: every value it reads arrives through env:
// as one reference, never as ${{ }} pasted into the script, where a branch
// name could inject shell code.
func TestActionRunSteps(t *testing.T) {
	a := loadAction(t)
	runs := 0
	for _, s := range a.Runs.Steps {
		if s.Run == "" {
			if s.Uses == "" {
				t.Errorf("step %q neither runs nor uses anything", s.Name)
			}
			continue
		}
		runs++
		if s.Uses != "" {
			t.Errorf("step %q both runs and uses", s.Name)
		}
		if s.Shell != "bash" {
			t.Errorf("step %q: shell %q, want bash", s.Name, s.Shell)
		}
		if s.ID == "" {
			t.Errorf("step %q has no id, so a test cannot run it", s.Name)
		}
		if exprs := Expressions(s.Run); len(exprs) > 0 {
			t.Errorf("step %q has expressions in its script: %q; pass them through env:", s.Name, exprs)
		}
		if !strings.HasPrefix(s.Run, "set -euo pipefail\n") {
			t.Errorf("step %q does not begin with set -euo pipefail", s.Name)
		}
		for k, v := range s.Env {
			if _, err := Expand(v, func(string) (string, error) { return "", nil }); err != nil {
				t.Errorf("step %q: env %s: %v", s.Name, k, err)
			}
		}
	}
	if runs < 3 {
		t.Errorf("%d run steps; the action installs, chooses the base and checks", runs)
	}
}

// The SARIF is uploaded after kiln ran, whatever kiln's exit status: a
// failing check is exactly when code scanning should show why.
func TestActionUploadsSARIFAfterCheck(t *testing.T) {
	a := loadAction(t)
	check, upload := -1, -1
	for i, s := range a.Runs.Steps {
		switch {
		case s.ID == "check":
			check = i
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = i
			if !strings.HasPrefix(s.If, "always()") {
				t.Errorf("the upload runs if: %q; it must start with always()", s.If)
			}
			if s.With["sarif_file"] != "${{ steps.check.outputs.sarif }}" {
				t.Errorf("the upload reads %q, not the check step's report", s.With["sarif_file"])
			}
		}
	}
	if check < 0 || upload < check {
		t.Fatalf("check is step %d, the SARIF upload step %d: the upload must come after", check, upload)
	}
}

// Restore and save name the same directory and key, and the save runs
// after the check whatever its exit status.
func TestActionCache(t *testing.T) {
	a := loadAction(t)
	restore, _ := a.Step("restore")
	if restore == nil || !strings.HasPrefix(restore.Uses, "actions/cache/restore@") {
		t.Fatal("no step restore using actions/cache/restore")
	}
	if !strings.Contains(restore.With["key"], "runner.os") || !strings.Contains(restore.With["key"], "hashFiles(") {
		t.Errorf("the cache key %q does not name the runner's OS and the inputs' hash", restore.With["key"])
	}
	if !strings.HasPrefix(restore.With["key"], restore.With["restore-keys"]) {
		t.Errorf("restore-keys %q is not a prefix of the key %q", restore.With["restore-keys"], restore.With["key"])
	}
	i := slices.IndexFunc(a.Runs.Steps, func(s Step) bool { return strings.HasPrefix(s.Uses, "actions/cache/save@") })
	if i < 0 {
		t.Fatal("no step saves the cache")
	}
	save := a.Runs.Steps[i]
	if save.With["path"] != restore.With["path"] {
		t.Errorf("save's path %q is not restore's %q", save.With["path"], restore.With["path"])
	}
	if !strings.HasPrefix(save.If, "always()") {
		t.Errorf("the save runs if: %q; it must start with always()", save.If)
	}
}

// go-version's default is the Go that kiln's go.mod asks for, so the
// action builds kiln with the toolchain its tests ran on.
func TestActionGoVersion(t *testing.T) {
	a := loadAction(t)
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if got := a.Inputs["go-version"].Default; got != string(m[1]) {
		t.Errorf("go-version defaults to %q, go.mod says go %s", got, m[1])
	}
}
