package ciconfig

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// needShellcheck returns shellcheck's path. Without it the test says
// loudly that it skipped, and fails under CI=true, where .ci/run installs
// it.
func needShellcheck(t *testing.T) string {
	t.Helper()
	return toolcheck.Command(t, "shellcheck", "Debian: apt-get install shellcheck", "the CI scripts, with shellcheck,")
}

// shellcheck lints a script in the given dialect. SC2153 (a variable
// spelt like another, unassigned) is off: the action's scripts read
// their inputs from upper-case variables the runner sets and keep them
// in lower-case ones of the same name.
func shellcheck(t *testing.T, bin, name, dialect, script string) {
	t.Helper()
	cmd := exec.Command(bin, "--shell", dialect, "--exclude", "SC2153", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck %s: %v\n%s", name, err, out)
	}
}

func TestActionScriptsPassShellcheck(t *testing.T) {
	bin := needShellcheck(t)
	for _, s := range loadAction(t).Runs.Steps {
		if s.Run != "" {
			shellcheck(t, bin, "step "+s.ID, "bash", s.Run)
		}
	}
}

// GitLab's runner may run the script with sh: it is POSIX.
func TestGitLabScriptPassesShellcheck(t *testing.T) {
	bin := needShellcheck(t)
	j := gitlabJob(t)
	shellcheck(t, bin, "before_script", "sh", strings.Join(j.BeforeScript, "\n"))
	shellcheck(t, bin, "script", "sh", strings.Join(j.Script, "\n"))
}
