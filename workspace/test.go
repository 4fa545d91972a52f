package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kilnhq/kiln/compiler/apptest"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// testFile is one test file with the app it tests.
type testFile struct {
	path string
	// content, when not nil, is the test file's text, used instead of
	// reading path (an editor's unsaved buffer).
	content []byte
	app     string // the definition beside it; "" when there is none
	isCUE   bool
	results []apptest.CaseResult
	diags   diag.List // the file or its app is malformed
}

// findTests returns the test files under paths, each with its app, and
// every app definition under them (for coverage).
func findTests(paths []string) ([]testFile, []string, error) {
	var files []testFile
	var apps []string
	seen := map[string]bool{}
	addTest := func(p string) {
		p = filepath.Clean(p)
		if seen[p] {
			return
		}
		seen[p] = true
		t := testFile{path: p, isCUE: strings.HasSuffix(p, ".cue")}
		for _, n := range discover.Names {
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), n)); err == nil {
				t.app = filepath.Join(filepath.Dir(p), n)
				break
			}
		}
		files = append(files, t)
	}
	for _, p := range paths {
		p = filepath.Clean(p)
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: no such file or directory", p)
		}
		if !info.IsDir() {
			if discover.IsDefinition(p) {
				apps = append(apps, p)
				for _, t := range testsBeside(filepath.Dir(p)) {
					addTest(t)
				}
				continue
			}
			addTest(p)
			continue
		}
		repo, err := discover.Scan(repofile.Disk(""), p)
		if err != nil && !errors.Is(err, discover.ErrNoApps) {
			return nil, nil, err
		}
		apps = append(apps, repo.Definitions()...)
		for _, f := range repo.Files {
			if f.Kind == discover.Test {
				addTest(f.Name)
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, apps, nil
}

func testsBeside(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if !e.IsDir() && discover.IsTestFile(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// runTestFile parses one test file, loads its app and runs its cases.
func runTestFile(t *testFile, s *schema.Schema, opts build.Options, o apptest.Options) {
	runTestFileOf(t, s, opts, o, nil)
}

// runTestFileOf is runTestFile for an app already checked, when c is not nil.
func runTestFileOf(t *testFile, s *schema.Schema, opts build.Options, o apptest.Options, c *checked) {
	data, err := t.content, error(nil)
	if data == nil {
		data, err = repofile.Read(discover.RepoRoot(t.path), t.path, repofile.MaxBytes)
	}
	if o.Root == "" {
		o.Root = discover.RepoRoot(t.path)
	}
	f := source.NewFile(t.path, data)
	if err != nil {
		t.diags = diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "test/read", Kind: diag.Input, Message: "cannot read the test file: " + err.Error()}}
		return
	}
	if t.app == "" {
		t.diags = diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "test/no-app", Kind: diag.Input,
			Message: "no app definition beside this test file (kiln.yaml, kiln.yml, kiln.json, kiln.cue or kiln.jsonnet)"}}
		return
	}
	if c == nil {
		in := appInput(t.app)
		in.eval = evalLimits{sandbox: o.Eval.Sandbox, timeout: o.Eval.EvalTimeout, memory: o.Eval.Memory}
		cc := checkOne(in, s)
		c = &cc
		opts = in.buildOptions(opts, s)
	}
	if c.doc == nil {
		t.diags = c.diags
		return
	}
	opts.Dockerfile = c.dockerfile
	if opts.Files == nil { // what the app reads beside it, on disk
		in := appInput(t.app)
		in.eval = evalLimits{sandbox: o.Eval.Sandbox, timeout: o.Eval.EvalTimeout, memory: o.Eval.Memory}
		opts = in.buildOptions(opts, s)
	}
	target := apptest.Target{Doc: c.doc, Schema: s, Build: opts, Dockerfile: c.dockerfile, App: c.app}
	if t.isCUE {
		t.results, t.diags = apptest.RunCUEFile(f, target, o)
		return
	}
	suite, ds := apptest.Parse(f)
	if ds != nil {
		t.diags = ds
		return
	}
	t.results = apptest.Run(suite, target, o)
}

// testCases lists the outcomes for the reports, and whether a test file
// was malformed.
func testCases(files []testFile, rego []guard.TestResult, match *regexp.Regexp) ([]report.TestCase, bool) {
	var out []report.TestCase
	bad := false
	for _, f := range files {
		bad = bad || f.diags != nil
		for _, r := range f.results {
			c := report.TestCase{File: f.path, Name: r.Case.Name, Status: "passed", Failures: r.Failures}
			switch {
			case r.Skipped:
				c.Status = "skipped"
			case !r.Passed():
				c.Status = "failed"
			}
			out = append(out, c)
		}
	}
	for _, r := range rego {
		c := report.TestCase{File: r.Pos.File.Name, Name: r.Name, Status: "passed"}
		switch {
		case match != nil && !match.MatchString(r.Name):
			c.Status = "skipped"
		case !r.Passed:
			c.Status = "failed"
			c.Failures = diag.List{{Pos: r.Pos, End: r.Pos, Severity: diag.Error, Code: "test/rego", Kind: diag.Finding, Message: r.Message}}
		}
		out = append(out, c)
	}
	return out, bad
}

// malformedCases are the test files and policy directories that could
// not run, as failed cases of the JUnit report, one per file, so that CI
// shows them.
func malformedCases(files []testFile, regoDiags diag.List) []report.TestCase {
	var out []report.TestCase
	for _, f := range files {
		if f.diags != nil {
			out = append(out, report.TestCase{File: f.path, Name: "malformed test file", Status: "failed", Failures: f.diags})
		}
	}
	byFile := map[string]diag.List{}
	var names []string
	for _, d := range regoDiags {
		name := ""
		if d.Pos.File != nil {
			name = d.Pos.File.Name
		}
		if byFile[name] == nil {
			names = append(names, name)
		}
		byFile[name] = append(byFile[name], d)
	}
	for _, n := range names {
		out = append(out, report.TestCase{File: n, Name: "malformed policy", Status: "failed", Failures: byFile[n]})
	}
	return out
}

// appEnvironments names an app's environments, read from its definition.
func appEnvironments(path string, eval evalLimits) []string {
	in := appInput(path)
	in.eval = eval
	doc, _ := load.Load(in.file, in.loadOptions())
	if doc == nil {
		return nil
	}
	envs := doc.Lookup([]string{"spec", "environments"})
	if envs == nil || len(envs.Fields) == 0 {
		return []string{"default"}
	}
	var out []string
	for _, f := range envs.Fields {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

// CountTests counts the passed and failed cases.
func CountTests(cases []report.TestCase) (passed, failed int) {
	for _, c := range cases {
		switch c.Status {
		case "passed":
			passed++
		case "failed":
			failed++
		}
	}
	return passed, failed
}

// TestOptions say which tests Test runs and how.
type TestOptions struct {
	Run             *regexp.Regexp // only the cases whose name matches; nil all
	UpdateSnapshots bool           // rewrite the snapshots matchSnapshot compares with
	Coverage        bool           // measure rule, app and environment coverage
}

// TestResult is what kiln test found.
type TestResult struct {
	Cases []report.TestCase // every case: config tests, then Rego tests
	// Malformed are the diagnostics of the test files and policies that
	// could not run (exit 2), and MalformedCases the same as failed
	// cases, one per file, for JUnit.
	Malformed      diag.List
	MalformedCases []report.TestCase
	Coverage       *Coverage // with TestOptions.Coverage
}

// Coverage says what the passing cases assert.
type Coverage struct {
	Rules   []RuleCoverage
	Covered int     // rules asserted both ways
	Percent float64 // of the rules in force
	// UntestedApps are the definitions no case tests, and
	// UntestedEnvironments "app (env)" for the environments of tested
	// apps that no case builds.
	UntestedApps, UntestedEnvironments []string
}

// RuleCoverage says whether a passing case asserts that a rule fires,
// and whether one asserts that it does not.
type RuleCoverage struct {
	ID            string
	Fires, Silent bool
}

// ErrNoTests is Test's answer when there is no test under its paths.
var ErrNoTests = errors.New("no tests (looked for kiln_test.yaml, *.kiln_test.yaml, kiln_test.cue and the policies' *_test.rego)")

// Test runs the config tests under paths (test files, definitions or
// directories) and the policies' Rego tests.
func (w *Workspace) Test(ctx context.Context, paths []string, o TestOptions) (*TestResult, error) {
	t, err := w.tools(true)
	if err != nil {
		return nil, err
	}
	s, validator, g := t.schema, t.validator, t.g
	files, apps, err := findTests(paths)
	if err != nil {
		return nil, err
	}
	regoResults, regoDiags := guard.RunTests(ctx, g.dirs)
	if len(files) == 0 && len(regoResults) == 0 && regoDiags == nil {
		return nil, ErrNoTests
	}
	opts := build.Options{Validator: validator, Context: ctx, KubeVersions: w.kubeVersions()}
	g.apply(&opts)
	eval := w.eval().loadOptions(load.Options{})
	forEach(len(files), w.opts.Jobs, func(i int) {
		runTestFile(&files[i], s, opts, apptest.Options{Run: o.Run, UpdateSnapshots: o.UpdateSnapshots, Eval: eval})
	})
	cases, _ := testCases(files, regoResults, o.Run)
	r := &TestResult{Cases: cases, Malformed: regoDiags, MalformedCases: malformedCases(files, regoDiags)}
	for _, f := range files {
		r.Malformed = append(r.Malformed, f.diags...)
	}
	if o.Coverage {
		r.Coverage = w.coverage(g, files, apps)
	}
	return r, nil
}

// coverage measures which rules the passing cases assert both ways, and
// the apps and environments no case tests.
func (w *Workspace) coverage(g *guardrails, files []testFile, apps []string) *Coverage {
	fires, silent := map[string]bool{}, map[string]bool{}
	tested := map[string]map[string]bool{} // app → environments
	for _, f := range files {
		if tested[f.app] == nil {
			tested[f.app] = map[string]bool{}
		}
		for _, r := range f.results {
			if r.Skipped {
				continue
			}
			tested[f.app][r.Case.Env] = true
			if !r.Passed() {
				continue
			}
			for _, p := range r.Policy {
				if p.Fires {
					fires[p.Rule] = true
				} else {
					silent[p.Rule] = true
				}
			}
		}
	}
	c := &Coverage{}
	rules := g.bundle.Rules()
	for _, r := range rules {
		c.Rules = append(c.Rules, RuleCoverage{ID: r.ID, Fires: fires[r.ID], Silent: silent[r.ID]})
		if fires[r.ID] && silent[r.ID] {
			c.Covered++
		}
	}
	if len(rules) > 0 {
		c.Percent = 100 * float64(c.Covered) / float64(len(rules))
	}
	for _, a := range apps {
		if tested[a] == nil {
			c.UntestedApps = append(c.UntestedApps, a)
		}
	}
	eval := w.eval()
	for app, got := range tested {
		if app == "" {
			continue
		}
		appEnvs := appEnvironments(app, eval)
		for _, e := range appEnvs {
			if !got[e] && !(len(appEnvs) == 1 && got[""]) {
				c.UntestedEnvironments = append(c.UntestedEnvironments, app+" ("+e+")")
			}
		}
	}
	slices.Sort(c.UntestedEnvironments)
	return c
}
