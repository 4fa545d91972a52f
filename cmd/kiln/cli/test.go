package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
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
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runTest(env, opts.(*testOptions), args) },
	})
}

func runTest(env *Env, o *testOptions, args []string) int {
	for _, f := range append([]string{o.format}, o.reports...) {
		if f, _, _ = strings.Cut(f, "="); f == "sarif" || f == "github" {
			fmt.Fprintf(env.Stderr, "kiln test: reports are text, json or junit, not %s\n", f)
			return ExitBadInput
		}
	}
	if !reportFlagsOK(env, "test", &o.reportOptions) {
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
	wo := o.policyOptions.workspaceOptions(env, args)
	wo.KubeVersion, wo.Jobs = o.kubeVersion, o.jobs
	w, ok := open(env, "test", wo)
	if !ok {
		return ExitBadInput
	}
	r, err := w.Test(env.Ctx, args, workspace.TestOptions{Run: match, UpdateSnapshots: o.updateSnapshots, Coverage: o.coverage || o.minCoverage > 0})
	if errors.Is(err, workspace.ErrNoTests) {
		fmt.Fprintf(env.Stderr, "kiln test: no tests under %s (looked for kiln_test.yaml, *.kiln_test.yaml, kiln_test.cue and the policies' *_test.rego)\n", strings.Join(args, " "))
		return ExitBadInput
	}
	if err != nil {
		return failed(env, "test", &o.reportOptions, err)
	}
	if err := writeTestReport(env, o, r.Cases, r.Malformed, r.MalformedCases); err != nil {
		fmt.Fprintf(env.Stderr, "kiln test: writing the report: %v\n", err)
		return ExitBadInput
	}
	passed, failed := workspace.CountTests(r.Cases)
	fmt.Fprintf(env.Stderr, "kiln: %d passed, %d failed\n", passed, failed)
	code := ExitClean
	if failed > 0 {
		code = ExitFindings
	}
	if r.Coverage != nil && !printCoverage(env, o, r.Coverage) {
		code = max(code, ExitFindings)
	}
	if r.Malformed != nil {
		code = ExitBadInput
	}
	return code
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

// printCoverage prints which rules the passing cases assert both ways,
// and the apps and environments no case tests; it reports whether the
// rule coverage reaches --min-coverage.
func printCoverage(env *Env, o *testOptions, c *workspace.Coverage) bool {
	w := env.Stdout
	mark := func(b bool) string {
		if b {
			return "yes"
		}
		return "-"
	}
	fmt.Fprintln(w, "\nRULE COVERAGE (a passing case asserts it fires / asserts it does not)")
	for _, r := range c.Rules {
		fmt.Fprintf(w, "  %-30s fires: %-3s  silent: %s\n", r.ID, mark(r.Fires), mark(r.Silent))
	}
	fmt.Fprintf(w, "  %d of %d rules covered both ways (%.0f%%)\n", c.Covered, len(c.Rules), c.Percent)
	fmt.Fprintf(w, "APPS WITHOUT TESTS: %s\n", noneOr(c.UntestedApps))
	fmt.Fprintf(w, "ENVIRONMENTS WITHOUT A CASE: %s\n", noneOr(c.UntestedEnvironments))
	if o.minCoverage > 0 && c.Percent < o.minCoverage {
		fmt.Fprintf(env.Stderr, "kiln test: rule coverage %.0f%% is below --min-coverage %.0f%%\n", c.Percent, o.minCoverage)
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
