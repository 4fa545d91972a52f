package cli

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/internal/ciconfig"
)

// parseCheckFlags parses args (after "kiln check") with check's own flag
// set, as a run would, so that a CI configuration naming a flag kiln does
// not have fails here and not in someone's pipeline.
func parseCheckFlags(t *testing.T, args []string) {
	t.Helper()
	c := lookup("check")
	if c == nil {
		t.Fatal("no check command")
	}
	fs, _ := c.flagSet(io.Discard)
	if _, err := parseInterspersed(fs, args); err != nil {
		t.Errorf("kiln check %s: %v", strings.Join(args, " "), err)
	}
}

func TestGitLabJobUsesCheckFlags(t *testing.T) {
	jobs, err := ciconfig.LoadGitLab("../../../docs/ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, j := range jobs {
		cmds, err := ciconfig.KilnCommands(j.Script)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, c := range cmds {
			if len(c) < 2 || c[1] != "check" {
				t.Errorf("%s runs %q, not kiln check", name, c)
				continue
			}
			parseCheckFlags(t, c[2:])
			n++
		}
	}
	if n == 0 {
		t.Fatal("the GitLab job runs no kiln check")
	}
}

// argsPattern matches the words the action's check step gives kiln:
// args=(...) and args+=(...).
var argsPattern = regexp.MustCompile(`\bargs\+?=\(([^)]*)\)`)

// TestActionUsesCheckFlags parses every flag the action's check step may
// pass, each with a value where it takes one: the step assembles kiln's
// arguments in bash, so each flag is checked where it is added.
func TestActionUsesCheckFlags(t *testing.T) {
	a, err := ciconfig.LoadAction("../../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := a.Step("check")
	if !ok {
		t.Fatal("the action has no step check")
	}
	n := 0
	for _, m := range argsPattern.FindAllStringSubmatch(s.Run, -1) {
		words, err := ciconfig.SplitWords(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if len(words) > 0 && words[0] == "check" {
			words = words[1:]
		}
		for i, w := range words {
			// "$FAIL_ON" and the like stand for the input's value.
			if strings.HasPrefix(w, "$") {
				words[i] = "x"
			}
		}
		parseCheckFlags(t, words)
		n++
	}
	if n < 5 {
		t.Errorf("found %d argument lists in the check step; the pattern no longer reads it", n)
	}
}
