package precommit

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The kiln-check hook's files pattern (searched as pre-commit does, with
// Python's re.search, whose syntax this pattern shares with Go's) passes
// every file kiln check maps to an app, and leaves others alone.
func TestCheckFilesPattern(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, hook, ok := strings.Cut(string(b), "- id: kiln-check\n")
	_, pattern, ok2 := strings.Cut(hook, "\n  files: ")
	if !ok || !ok2 {
		t.Fatal("no files pattern for kiln-check")
	}
	pattern, _, _ = strings.Cut(pattern, "\n")
	re := regexp.MustCompile(pattern)
	for name, want := range map[string]bool{
		"apps/web/kiln.yaml":                        true,
		"kiln.jsonnet":                              true,
		"apps/web/kiln_test.yaml":                   true,
		"apps/web/smoke.kiln_test.yaml":             true,
		"apps/web/kiln_test.cue":                    true,
		"apps/web/Dockerfile":                       true,
		"apps/web/__snapshot__/kiln_test.yaml.snap": true,
		"lib/common.libsonnet":                      true,
		"lib/images.jsonnet":                        true,
		"lib/ports.json":                            true,
		"lib/defaults.cue":                          true,
		"policy/team.rego":                          true,
		"policy/data.yaml":                          true,
		"policies/sub/teams.yml":                    true,
		"data/teams.yaml":                           true,
		".kiln/config.yaml":                         true,
		"README.md":                                 false,
		"deploy/pod.yaml":                           false,
		".github/workflows/ci.yaml":                 false,
		"apps/web/main.go":                          false,
		"apps/web/Dockerfile.dev":                   false,
	} {
		if got := re.MatchString(name); got != want {
			t.Errorf("kiln-check files pattern on %s: %v, want %v", name, got, want)
		}
	}
}
