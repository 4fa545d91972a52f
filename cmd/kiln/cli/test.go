package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/schemas/kube"
)

type testOptions struct {
	reportOptions
	policyOptions
	jobs            int
	run             string
	updateSnapshots bool
	coverage        bool
	minCoverage     float64
	kubeVersion     string
}

func init() {
	commands = append(commands, &command{
		name:  "test",
		args:  "[flags] PATH...",
		short: "run the config tests of apps and the Rego tests of the repository's policies",
		long: `Test runs the config tests found under each PATH: kiln_test.yaml and
*.kiln_test.yaml (cases with env, set and asserts), and kiln_test.cue (CUE
constraints unified with the outputs), each beside the app definition it
tests; and the Rego unit tests (*_test.rego) of the repository's policy
directories (.kiln/config.yaml, --policy), as opa test runs them. The test
file format and every assertion are in docs/testing.md.

Each case is built with the guardrails, so a policy assertion can say that
a rule fires. A failure is reported at the assertion's line with expected
against actual. A case whose assertion cannot run (a bad path, no matching
document, an environment the app lacks) fails; it never passes.

matchSnapshot compares with __snapshot__/<test file>.snap beside the test;
a missing snapshot fails. --update-snapshots writes them: review the diff.

--coverage lists, for every rule, whether passing cases assert both that it
fires and that it does not, and the apps and environments no case tests;
--min-coverage N fails the run when fewer than N percent of the rules are
covered.

Exit status: 0 when every case passes, 1 when one fails (or coverage is
below --min-coverage), 2 when a test file, an app or a policy is malformed.

Examples:

	kiln test .
	kiln test apps/checkout --run 'prod'
	kiln test . --format junit > kiln-tests.xml`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &testOptions{}
			o.reportOptions.register(fs)
			o.policyOptions.register(fs)
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many test files to run at once")
			fs.StringVar(&o.run, "run", "", "run only the cases whose name matches this regular expression")
			fs.BoolVar(&o.updateSnapshots, "update-snapshots", false, "write the snapshots of matchSnapshot assertions")
			fs.BoolVar(&o.coverage, "coverage", false, "report which rules, apps and environments the tests cover")
			fs.Float64Var(&o.minCoverage, "min-coverage", 0, "fail below this percentage of rules covered both ways (implies --coverage)")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runTest(env, opts.(*testOptions), args) },
	})
}

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

func runTest(env *Env, o *testOptions, args []string) int {
	for _, f := range append([]string{o.format}, o.reports...) {
		if f, _, _ = strings.Cut(f, "="); f == "sarif" || f == "github" {
			fmt.Fprintf(env.Stderr, "kiln test: reports are text, json or junit, not %s\n", f)
			return ExitBadInput
		}
	}
	s, _, ok := start(env, "test", &o.reportOptions, "", nil)
	if !ok {
		return ExitBadInput
	}
	var match *regexp.Regexp
	if o.run != "" {
		var err error
		if match, err = regexp.Compile(o.run); err != nil {
			fmt.Fprintf(env.Stderr, "kiln test: --run: %v\n", err)
			return ExitBadInput
		}
	}
	g, ds := loadGuardrails(args, &o.policyOptions)
	if ds != nil {
		return couldNotStart(env, &o.reportOptions, ds)
	}
	validator, err := validate.For(strings.TrimPrefix(o.kubeVersion, "v"))
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln test: --kube-version: %v\n", err)
		return ExitBadInput
	}
	files, apps, err := findTests(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln test: %v\n", err)
		return ExitBadInput
	}
	regoResults, regoDiags := guard.RunTests(context.Background(), g.dirs)
	if len(files) == 0 && len(regoResults) == 0 && regoDiags == nil {
		fmt.Fprintf(env.Stderr, "kiln test: no tests under %s (looked for kiln_test.yaml, *.kiln_test.yaml, kiln_test.cue and the policies' *_test.rego)\n", strings.Join(args, " "))
		return ExitBadInput
	}
	opts := build.Options{Validator: validator}
	g.apply(&opts)
	eval := o.evalOptions.limits(env, g.cfg).loadOptions(load.Options{})
	forEach(len(files), o.jobs, func(i int) {
		runTestFile(&files[i], s, opts, apptest.Options{Run: match, UpdateSnapshots: o.updateSnapshots, Eval: eval})
	})

	cases, bad := testCases(files, regoResults, match)
	all := regoDiags
	for _, f := range files {
		all = append(all, f.diags...)
	}
	if err := writeTestReport(env, o, cases, all, malformedCases(files, regoDiags)); err != nil {
		fmt.Fprintf(env.Stderr, "kiln test: writing the report: %v\n", err)
		return ExitBadInput
	}
	passed, failed := countTests(cases)
	fmt.Fprintf(env.Stderr, "kiln: %d passed, %d failed\n", passed, failed)
	code := ExitClean
	if failed > 0 {
		code = ExitFindings
	}
	if (o.coverage || o.minCoverage > 0) && !coverage(env, o, g, files, apps) {
		code = max(code, ExitFindings)
	}
	if bad || regoDiags != nil {
		code = ExitBadInput
	}
	return code
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
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if discover.Skip(p, path, d.Name()) {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case discover.IsDefinition(path):
				apps = append(apps, path)
			case discover.IsTestFile(d.Name()):
				addTest(path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
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
		in, _ := appInput(t.app)
		in.eval = evalLimits{sandbox: o.Eval.Sandbox, timeout: o.Eval.EvalTimeout, memory: o.Eval.Memory}
		cc := checkOne(in, s)
		c = &cc
	}
	if c.doc == nil {
		t.diags = c.diags
		return
	}
	opts.Dockerfile = c.dockerfile
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

// testJSON writes the JSON report of kiln test: report.TestJSON's cases
// and summary, and errors, the positioned diagnostics of the test files
// (and policies) that could not run (docs/json-report.md).
func testJSON(w io.Writer, cases []report.TestCase, malformed diag.List) error {
	var buf bytes.Buffer
	if err := report.TestJSON(&buf, cases); err != nil {
		return err
	}
	var r struct {
		Version int             `json:"version"`
		Cases   json.RawMessage `json:"cases"`
		Errors  json.RawMessage `json:"errors"`
		Summary json.RawMessage `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		return err
	}
	buf.Reset()
	if err := report.JSON(&buf, nil, malformed, nil); err != nil {
		return err
	}
	var d struct {
		Diagnostics json.RawMessage `json:"diagnostics"`
	}
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		return err
	}
	r.Errors = d.Diagnostics
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func writeTestReport(env *Env, o *testOptions, cases []report.TestCase, malformed diag.List, malformedCases []report.TestCase) error {
	write := func(w io.Writer, format string, color bool) error {
		switch format {
		case "json":
			return testJSON(w, cases, malformed)
		case "junit":
			return report.TestJUnit(w, append(slices.Clip(cases), malformedCases...))
		}
		if err := report.Text(w, malformed, report.TextOptions{Color: color}); err != nil {
			return err
		}
		return report.TestText(w, cases, report.TextOptions{Color: color})
	}
	if o.format != "text" && len(malformed) > 0 {
		// Machine formats carry cases; what kept a file from running
		// goes to standard error, positioned.
		report.Text(env.Stderr, malformed, report.TextOptions{})
	}
	if err := write(env.Stdout, o.format, useColor(env, o.noColor)); err != nil {
		return err
	}
	for _, spec := range o.reports {
		format, name, _ := strings.Cut(spec, "=")
		var buf strings.Builder
		if err := write(&buf, format, false); err != nil {
			return err
		}
		if err := writeAtomic(name, []byte(buf.String())); err != nil {
			return err
		}
	}
	return nil
}

// coverage prints which rules the passing cases assert both ways, and the
// apps and environments no case tests; it reports whether the rule
// coverage reaches --min-coverage.
func coverage(env *Env, o *testOptions, g *guardrails, files []testFile, apps []string) bool {
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
	w := env.Stdout
	rules := g.bundle.Rules()
	covered := 0
	fmt.Fprintln(w, "\nRULE COVERAGE (a passing case asserts it fires / asserts it does not)")
	for _, r := range rules {
		mark := func(b bool) string {
			if b {
				return "yes"
			}
			return "-"
		}
		if fires[r.ID] && silent[r.ID] {
			covered++
		}
		fmt.Fprintf(w, "  %-30s fires: %-3s  silent: %s\n", r.ID, mark(fires[r.ID]), mark(silent[r.ID]))
	}
	pct := 0.0
	if len(rules) > 0 {
		pct = 100 * float64(covered) / float64(len(rules))
	}
	fmt.Fprintf(w, "  %d of %d rules covered both ways (%.0f%%)\n", covered, len(rules), pct)
	var untested []string
	for _, a := range apps {
		if tested[a] == nil {
			untested = append(untested, a)
		}
	}
	fmt.Fprintf(w, "APPS WITHOUT TESTS: %s\n", noneOr(untested))
	var envs []string
	eval := o.evalOptions.limits(env, g.cfg)
	for app, got := range tested {
		if app == "" {
			continue
		}
		appEnvs := appEnvironments(app, eval)
		for _, e := range appEnvs {
			if !got[e] && !(len(appEnvs) == 1 && got[""]) {
				envs = append(envs, app+" ("+e+")")
			}
		}
	}
	slices.Sort(envs)
	fmt.Fprintf(w, "ENVIRONMENTS WITHOUT A CASE: %s\n", noneOr(envs))
	if o.minCoverage > 0 && pct < o.minCoverage {
		fmt.Fprintf(env.Stderr, "kiln test: rule coverage %.0f%% is below --min-coverage %.0f%%\n", pct, o.minCoverage)
		return false
	}
	return true
}

func noneOr(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// appEnvironments names an app's environments, read from its definition.
func appEnvironments(path string, eval evalLimits) []string {
	in, _ := appInput(path)
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

// countTests counts the passed and failed cases.
func countTests(cases []report.TestCase) (passed, failed int) {
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
