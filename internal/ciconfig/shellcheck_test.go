package ciconfig

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// needShellcheck returns shellcheck's path. Without it the test says
// loudly that it skipped, and fails under CI=true, where .ci/run installs
// it.
func needShellcheck(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("shellcheck")
	if err != nil {
		why := "shellcheck is not installed (Debian: apt-get install shellcheck)"
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: this lane must lint the CI scripts)", why)
		}
		t.Skipf("SKIPPED, the CI scripts were not linted: %s", why)
	}
	return p
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
