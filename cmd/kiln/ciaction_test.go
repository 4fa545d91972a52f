package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kilnhq/kiln/internal/ciconfig"
)

// The repository root, where action.yml and docs/ci/ live; tests run in
// cmd/kiln.
var repoRoot, _ = filepath.Abs("../..")

var loadAction = sync.OnceValues(func() (*ciconfig.Action, error) {
	return ciconfig.LoadAction(filepath.Join(repoRoot, "action.yml"))
})

// actionstep [-exit N] ID runs the run: step ID of action.yml as the
// runner would: with bash --noprofile --norc -eo pipefail, the step's env:
// evaluated, and fresh GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH files,
// which are applied afterwards as the runner applies them to later steps.
// Its exit status must be N (default 0; with !, anything but 0).
//
// In env: values, inputs.NAME is $INPUT_NAME (upper case, - as _) or the
// input's default when that is empty; github.NAME is $GITHUB_NAME,
// runner.NAME is $RUNNER_NAME, env.NAME is $NAME, and
// steps.ID.outputs.NAME is what step ID wrote to GITHUB_OUTPUT, also left
// in $STEPS_ID_OUTPUTS_NAME for the script to assert on.
func actionstep(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("actionstep", flag.ContinueOnError)
	want := fs.Int("exit", 0, "the exit status the step must end with")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || (neg && *want != 0) {
		ts.Fatalf("usage: [!] actionstep [-exit N] ID")
	}
	a, err := loadAction()
	ts.Check(err)
	id := fs.Arg(0)
	step, ok := a.Step(id)
	if !ok || step.Run == "" {
		ts.Fatalf("action.yml has no run step with id %q", id)
	}
	if step.Shell != "bash" {
		ts.Fatalf("step %s: shell %q; actionstep runs bash steps", id, step.Shell)
	}

	dir, err := stepDir(ts, "actionstep-"+id)
	ts.Check(err)
	files := map[string]string{
		"GITHUB_OUTPUT": filepath.Join(dir, "output"),
		"GITHUB_ENV":    filepath.Join(dir, "env"),
		"GITHUB_PATH":   filepath.Join(dir, "path"),
	}
	env := map[string]string{}
	for k, f := range files {
		ts.Check(os.WriteFile(f, nil, 0o644))
		env[k] = f
	}
	for k, v := range step.Env {
		env[k], err = ciconfig.Expand(v, func(ref string) (string, error) { return stepValue(ts, a, ref) })
		if err != nil {
			ts.Fatalf("step %s: env %s: %v", id, k, err)
		}
	}
	script := filepath.Join(dir, "script.sh")
	ts.Check(os.WriteFile(script, []byte(step.Run), 0o644))

	got := execWith(ts, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	switch {
	case neg && got == 0:
		ts.Fatalf("step %s succeeded, want failure", id)
	case !neg && got != *want:
		ts.Fatalf("step %s: exit status %d, want %d", id, got, *want)
	}
	applyOutputs(ts, id, files)
}

// stepDir makes a directory for one run of a step's files, under $WORK
// and outside the repository the step runs in, which must stay clean.
func stepDir(ts *testscript.TestScript, name string) (string, error) {
	parent := filepath.Join(ts.Getenv("WORK"), ".ci-steps")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, name+"-")
}

// stepValue answers one context reference of an env: value.
func stepValue(ts *testscript.TestScript, a *ciconfig.Action, ref string) (string, error) {
	parts := strings.Split(ref, ".")
	name := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }
	switch {
	case parts[0] == "inputs" && len(parts) == 2:
		in, ok := a.Inputs[parts[1]]
		if !ok {
			return "", fmt.Errorf("input %q is not declared", parts[1])
		}
		if v := ts.Getenv("INPUT_" + name(parts[1])); v != "" {
			return v, nil
		}
		return in.Default, nil
	case (parts[0] == "github" || parts[0] == "runner") && len(parts) == 2:
		return ts.Getenv(name(parts[0] + "_" + parts[1])), nil
	case parts[0] == "env" && len(parts) == 2:
		return ts.Getenv(parts[1]), nil
	case parts[0] == "steps" && len(parts) == 4 && parts[2] == "outputs":
		return ts.Getenv(outputVar(parts[1], parts[3])), nil
	}
	return "", fmt.Errorf("actionstep cannot evaluate %s", ref)
}

func outputVar(step, name string) string {
	return strings.ToUpper(strings.ReplaceAll("STEPS_"+step+"_OUTPUTS_"+name, "-", "_"))
}

// execWith runs a program with env added to the script's environment for
// this run only, and returns its exit status.
func execWith(ts *testscript.TestScript, env map[string]string, prog string, args ...string) int {
	old := map[string]string{}
	for k, v := range env {
		old[k] = ts.Getenv(k)
		ts.Setenv(k, v)
	}
	defer func() {
		for k, v := range old {
			ts.Setenv(k, v)
		}
	}()
	err := ts.Exec(prog, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	ts.Fatalf("%s: %v", prog, err)
	return -1
}

// applyOutputs does what the runner does after a step: records its
// outputs, sets the variables it wrote to GITHUB_ENV and puts the
// directories of GITHUB_PATH in front of PATH.
func applyOutputs(ts *testscript.TestScript, id string, files map[string]string) {
	// A step run again starts with no outputs, as each run is a new step.
	listVar := outputVar(id, "") + "NAMES"
	for _, k := range strings.Fields(ts.Getenv(listVar)) {
		ts.Setenv(outputVar(id, k), "")
	}
	outputs, err := readCommandFile(files["GITHUB_OUTPUT"])
	ts.Check(err)
	var names []string
	for k, v := range outputs {
		ts.Setenv(outputVar(id, k), v)
		names = append(names, k)
	}
	ts.Setenv(listVar, strings.Join(names, " "))
	vars, err := readCommandFile(files["GITHUB_ENV"])
	ts.Check(err)
	for k, v := range vars {
		ts.Setenv(k, v)
	}
	paths, err := os.ReadFile(files["GITHUB_PATH"])
	ts.Check(err)
	for _, p := range strings.Fields(string(paths)) {
		ts.Setenv("PATH", p+string(os.PathListSeparator)+ts.Getenv("PATH"))
	}
}

// readCommandFile reads a GITHUB_OUTPUT or GITHUB_ENV file: lines of
// NAME=VALUE, or NAME<<DELIMITER, the value's lines, then DELIMITER.
func readCommandFile(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, "="); ok && !strings.Contains(k, "<<") {
			out[k] = v
			continue
		}
		k, delim, ok := strings.Cut(line, "<<")
		if !ok || line == "" {
			return nil, fmt.Errorf("%s: malformed line %q", name, line)
		}
		var lines []string
		for {
			if !sc.Scan() {
				return nil, fmt.Errorf("%s: %s has no closing %s", name, k, delim)
			}
			if sc.Text() == delim {
				break
			}
			lines = append(lines, sc.Text())
		}
		out[k] = strings.Join(lines, "\n")
	}
	return out, sc.Err()
}

var gitlabJobs = sync.OnceValues(func() (map[string]ciconfig.GitLabJob, error) {
	return ciconfig.LoadGitLab(filepath.Join(repoRoot, "docs", "ci", "gitlab-ci.yml"))
})

// gitlabjob [-exit N] NAME runs the script: of job NAME in
// docs/ci/gitlab-ci.yml with bash -e, as GitLab's runner does, with the
// job's variables set (expanded against the script's environment, as
// $CI_PROJECT_DIR is). before_script, which installs kiln from the
// network, is left out: the kiln on PATH is the binary under test.
func gitlabjob(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("gitlabjob", flag.ContinueOnError)
	want := fs.Int("exit", 0, "the exit status the job must end with")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || (neg && *want != 0) {
		ts.Fatalf("usage: [!] gitlabjob [-exit N] NAME")
	}
	jobs, err := gitlabJobs()
	ts.Check(err)
	j, ok := jobs[fs.Arg(0)]
	if !ok {
		ts.Fatalf("docs/ci/gitlab-ci.yml has no job %q", fs.Arg(0))
	}
	env := map[string]string{}
	for k, v := range j.Variables {
		env[k] = os.Expand(v, ts.Getenv)
	}
	dir, err := stepDir(ts, "gitlabjob-"+fs.Arg(0))
	ts.Check(err)
	script := filepath.Join(dir, "script.sh")
	ts.Check(os.WriteFile(script, []byte(strings.Join(j.Script, "\n")+"\n"), 0o644))
	got := execWith(ts, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	switch {
	case neg && got == 0:
		ts.Fatalf("job %s succeeded, want failure", fs.Arg(0))
	case !neg && got != *want:
		ts.Fatalf("job %s: exit status %d, want %d", fs.Arg(0), got, *want)
	}
}
