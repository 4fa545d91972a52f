package cli

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
)

type reportCmdOptions struct {
	reportOptions
}

// maxReportBytes bounds a JSON report kiln report merge reads: the report
// of a check of 10000 apps with a few findings each is some tens of MiB.
const maxReportBytes = 1 << 30

func init() {
	commands = append(commands, &command{
		name:  "report",
		args:  "merge [flags] REPORT.json...",
		short: "join the JSON reports of kiln check's shards into one report",
		long: `Report merge joins the JSON reports of the shards of one check (kiln
check --shard i/n --format json, one per CI job) into one report, in any
format, with one exit status, as if one kiln check had checked every app.
SARIF gets one run with each rule once; JSON carries the joined scope.

Every shard of the split must be given, once, from the same kiln version
and checkout: a missing shard (its apps would go unchecked), a shard given
twice, shards of different splits (1/4 and 1/3), or two reports that
checked one app, are errors (exit 2, nothing written). A single report of
any check may be given alone, to write it in another format.

Run it in the checkout the shards checked: the findings' source lines are
read from the files they name there. A file that is not there keeps its
findings at their line and column, without the source line.

Exit status: the worst of the shards: 2 when one could not check
everything, else 1 when a finding is at --fail-on (default: the reports'
fail-on) or a config test failed, else 0.

Examples:

	kiln report merge shard-*.json
	kiln report merge --format sarif --report junit=kiln.xml shard-*.json`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &reportCmdOptions{}
			o.reportOptions.register(fs)
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runReport(env, opts.(*reportCmdOptions), args) },
	})
}

func runReport(env *Env, o *reportCmdOptions, args []string) int {
	if args[0] != "merge" {
		fmt.Fprintf(env.Stderr, "kiln report: unknown action %q (valid: merge)\n", args[0])
		return ExitBadInput
	}
	if !reportFlagsOK(env, "report merge", &o.reportOptions) {
		return ExitBadInput
	}
	if len(args) == 1 {
		fmt.Fprintln(env.Stderr, "kiln report merge: no reports given; name the JSON report of every shard")
		return ExitBadInput
	}
	var parts []*report.Part
	for _, name := range args[1:] {
		data, err := repofile.Read("", name, maxReportBytes)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln report merge: cannot read the report %s: %v\n", name, err)
			return ExitBadInput
		}
		p, err := report.ReadPart(name, data)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln report merge: %v\n", err)
			return ExitBadInput
		}
		parts = append(parts, p)
	}
	sources := checkoutFiles()
	m, err := report.Merge(parts, sources.read)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln report merge: %v\n", err)
		return ExitBadInput
	}
	if n := len(sources.absent); n > 0 {
		slices.Sort(sources.absent)
		names := strings.Join(sources.absent[:min(n, 3)], ", ")
		if n > 3 {
			names += ", …"
		}
		fmt.Fprintf(env.Stderr, "kiln report merge: warning: %s the findings name not in this checkout (%s); their findings keep their line and column without the source line\n",
			report.Plural(n, "file"), names)
	}
	if o.failOn == "" {
		o.failOn = m.Options.FailOn
	}
	if o.failOn == "" {
		fmt.Fprintln(env.Stderr, "kiln report merge: the reports were written with different --fail-on; give one with --fail-on")
		return ExitBadInput
	}
	exit := m.ExitCode(failOnLevel(o.failOn))
	opts := m.Options
	opts.Color, opts.FailOn, opts.ExitCode = useColor(env, o.noColor), o.failOn, &exit
	o.incomplete = opts.Incomplete
	if err := writeReportWith(env, &o.reportOptions, m.Files, m.Diagnostics, opts); err != nil {
		fmt.Fprintf(env.Stderr, "kiln report merge: writing the report: %v\n", err)
		return ExitBadInput
	}
	passed, failed := 0, 0
	for _, t := range m.Tests {
		switch t.Status {
		case "passed":
			passed++
		case "failed":
			failed++
		}
	}
	ds := m.Diagnostics
	fmt.Fprintf(env.Stderr, "kiln report merge: %s, %d of %s checked: %s, %s, %s; tests %d passed, %d failed\n",
		report.Plural(len(parts), "report"), len(opts.Scope.Checked), report.Plural(opts.Scope.Total, "app"),
		report.Plural(ds.Count(diag.Error), "error"), report.Plural(ds.Count(diag.Warning), "warning"), report.Plural(ds.Count(diag.Info), "note"), passed, failed)
	return exit
}

// checkoutSources reads the files the reports' findings name, inside the
// repository holding the working directory (or the working directory
// outside any): a report must not make kiln print lines of a file
// elsewhere. It remembers the names it could not read.
type checkoutSources struct {
	root   string
	absent []string
}

func checkoutFiles() *checkoutSources {
	dir, _ := os.Getwd()
	root := discover.RootOf(repofile.Disk(""), dir)
	if root == "" {
		root = dir
	}
	return &checkoutSources{root: root}
}

func (c *checkoutSources) read(name string) []byte {
	b, err := repofile.Read(c.root, name, repofile.MaxBytes)
	if err != nil {
		c.absent = append(c.absent, name)
		return nil
	}
	if b == nil {
		return []byte{} // empty, not absent
	}
	return b
}
