package ciconfig

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	for line, want := range map[string][]string{
		`kiln check --base "origin/$T" a\ b`:   {"kiln", "check", "--base", "origin/$T", "a b"},
		`  kiln  check 'x y'"z" # a comment`:   {"kiln", "check", "x yz"},
		`kiln "a\"b\$c\d"`:                     {"kiln", `a"b$c\d`},
		`kiln --report=gitlab=gl.json ''`:      {"kiln", "--report=gitlab=gl.json", ""},
		`if [ "$X" = y ]; then kiln check; fi`: {"if", "[", "$X", "=", "y", "];", "then", "kiln", "check;", "fi"},
		`echo a#b`:                             {"echo", "a#b"},
	} {
		got, err := SplitWords(line)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitWords(%s) = %q, %v; want %q", line, got, err, want)
		}
	}
	for _, bad := range []string{`kiln "open`, `kiln 'open`} {
		if _, err := SplitWords(bad); err == nil {
			t.Errorf("SplitWords(%s) succeeded", bad)
		}
	}
}

func gitlabJob(t *testing.T) GitLabJob {
	t.Helper()
	jobs, err := LoadGitLab("../../docs/ci/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	j, ok := jobs["kiln-check"]
	if !ok {
		t.Fatalf("no job kiln-check among %v", jobs)
	}
	return j
}

// reportFile returns the file of a --report FORMAT=FILE among args.
func reportFile(args []string, format string) string {
	for i, a := range args {
		if a == "--report" && i+1 < len(args) {
			if f, file, ok := strings.Cut(args[i+1], "="); ok && f == format {
				return file
			}
		}
	}
	return ""
}

// Every kiln check writes the reports GitLab is told to read, and a merge
// request's compares with its target branch.
func TestGitLabJob(t *testing.T) {
	j := gitlabJob(t)
	cmds, err := KilnCommands(j.Script)
	if err != nil {
		t.Fatal(err)
	}
	withBase := 0
	for _, c := range cmds {
		if len(c) < 2 || c[1] != "check" {
			t.Errorf("the script runs %q; the job's kiln commands are kiln check", c)
			continue
		}
		if got := reportFile(c, "gitlab"); got != j.Artifacts.Reports["codequality"] || got == "" {
			t.Errorf("%q writes the code quality report to %q, the job hands GitLab %q", c, got, j.Artifacts.Reports["codequality"])
		}
		if got := reportFile(c, "junit"); got != j.Artifacts.Reports["junit"] || got == "" {
			t.Errorf("%q writes JUnit to %q, the job hands GitLab %q", c, got, j.Artifacts.Reports["junit"])
		}
		if i := slices.Index(c, "--base"); i >= 0 && i+1 < len(c) && c[i+1] == "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" {
			withBase++
		}
	}
	if len(cmds) == 0 || withBase != 1 {
		t.Errorf("%d kiln commands, %d with --base origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME; want one with it", len(cmds), withBase)
	}
	if j.Artifacts.When != "always" {
		t.Errorf("artifacts when: %q; a failing check's reports matter most, want always", j.Artifacts.When)
	}
}

// The cache keeps the directory kiln caches in, which GitLab requires to
// be inside the project, and is saved when the check fails too.
func TestGitLabCache(t *testing.T) {
	j := gitlabJob(t)
	dir, ok := strings.CutPrefix(j.Variables["KILN_CACHE"], "$CI_PROJECT_DIR/")
	if !ok {
		t.Fatalf("KILN_CACHE is %q, not inside $CI_PROJECT_DIR", j.Variables["KILN_CACHE"])
	}
	if !slices.Contains(j.Cache.Paths, dir+"/") && !slices.Contains(j.Cache.Paths, dir) {
		t.Errorf("cache paths %q miss KILN_CACHE's %q", j.Cache.Paths, dir)
	}
	if j.Cache.When != "always" {
		t.Errorf("cache when: %q, want always", j.Cache.When)
	}
}

// The job's image is the Go that kiln's go.mod asks for, so that go
// install needs no toolchain download.
func TestGitLabImage(t *testing.T) {
	j := gitlabJob(t)
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "golang:" + string(m[1]); j.Image != want {
		t.Errorf("image %q, want %q", j.Image, want)
	}
	if !slices.ContainsFunc(j.BeforeScript, func(s string) bool {
		return strings.HasPrefix(s, `go install "github.com/kilnhq/kiln/cmd/kiln@`)
	}) {
		t.Errorf("before_script %q does not install kiln", j.BeforeScript)
	}
}
