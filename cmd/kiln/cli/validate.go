package cli

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/workspace"
)

type validateOptions struct {
	reportOptions
	evalOptions
	jobs          int
	stdinFilename string
}

func init() {
	commands = append(commands, &command{
		name:  "validate",
		args:  "[flags] PATH...",
		short: "check app definitions against the schema",
		long: `Validate checks kiln app definitions against the app schema and reports
every problem at the line and column where it was written.

Each PATH is a file or a directory. A directory is searched recursively for
kiln.yaml, kiln.yml, kiln.json, kiln.cue and kiln.jsonnet, skipping .git,
vendor and node_modules. A file named explicitly may have any name; its
extension picks the format (.json, .cue, .jsonnet; YAML otherwise). The
PATH - reads one definition from standard input.

A run that finds nothing to check is an error, never a clean run.

Findings go to standard output, the summary line to standard error.
Exit status: 0 when every definition is valid, 2 when any is not or when
kiln could not read its input.

Examples:

	kiln validate .
	kiln validate apps/checkout/kiln.yaml --format json
	cat kiln.yaml | kiln validate -`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &validateOptions{}
			o.reportOptions.register(fs)
			o.evalOptions.register(fs)
			fs.StringVar(&o.stdinFilename, "stdin-filename", "kiln.yaml", "name (and so format) of the definition read from -")
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many definitions to check at once")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runValidate(env, opts.(*validateOptions), args) },
	})
}

func runValidate(env *Env, o *validateOptions, args []string) int {
	if !reportFlagsOK(env, "validate", &o.reportOptions) {
		return ExitBadInput
	}
	w, ok := open(env, "validate", workspace.Options{Dir: firstPath(args), Limits: o.evalOptions.limits(), Sandbox: env.Sandbox, Jobs: o.jobs,
		Stdin: env.Stdin, StdinName: o.stdinFilename})
	if !ok {
		return ExitBadInput
	}
	r, err := w.Validate(env.Ctx, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln validate: %v\n", err)
		return ExitBadInput
	}
	o.incomplete = r.Incomplete
	if err := writeReport(env, &o.reportOptions, r.Files, r.Diagnostics); err != nil {
		fmt.Fprintf(env.Stderr, "kiln validate: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintln(env.Stderr, report.Summary(len(r.Files), r.Diagnostics))
	if o.failOn == "" {
		o.failOn = "error"
	}
	// An invalid definition could not be checked further: exit 2.
	return r.ExitCode(failOnLevel(o.failOn))
}

// reportFlagsOK checks --format and --fail-on, saying what is wrong.
func reportFlagsOK(env *Env, cmd string, r *reportOptions) bool {
	if !slices.Contains(report.Formats, r.format) {
		fmt.Fprintf(env.Stderr, "kiln %s: unknown --format %q (valid: %s)\n", cmd, r.format, strings.Join(report.Formats, ", "))
		return false
	}
	if _, ok := diag.ParseSeverity(r.failOn); !ok && r.failOn != "" && r.failOn != "none" {
		fmt.Fprintf(env.Stderr, "kiln %s: unknown --fail-on %q (valid: error, warning, info, none)\n", cmd, r.failOn)
		return false
	}
	return true
}

// reportOptions are the flags every command that reports findings takes.
type reportOptions struct {
	format  string
	noColor bool
	reports reportFiles
	failOn  string
	rules   []report.Rule // the guardrails a run evaluated
	// waived are the findings waivers exempted, shown or not; nil when
	// the run did not gather them apart.
	waived diag.List
	// incomplete says kiln could not check everything (exit 2).
	incomplete bool
	// What kiln check's JSON report carries for kiln report merge: its
	// scope, config tests and exit code (nil: not known).
	scope    *report.Scope
	tests    []report.TestCase
	exitCode *int
}

func (r *reportOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&r.format, "format", "text", "output format: "+strings.Join(report.Formats, ", "))
	fs.BoolVar(&r.noColor, "no-color", false, "never colour the output (also: NO_COLOR=1)")
	fs.Var(&r.reports, "report", "also write a report as FORMAT=FILE, e.g. sarif=kiln.sarif (repeatable)")
	fs.StringVar(&r.failOn, "fail-on", "", "exit 1 when a finding is at least this severe: error, warning or info; none reports without failing (default: failOn of "+config.Name+", else error)")
}

// reportFiles is the repeatable --report FORMAT=FILE flag.
type reportFiles []string

func (r *reportFiles) String() string { return strings.Join(*r, ",") }

func (r *reportFiles) Set(v string) error {
	format, file, ok := strings.Cut(v, "=")
	if !ok || file == "" || !slices.Contains(report.Formats, format) {
		return fmt.Errorf("want FORMAT=FILE with FORMAT one of %s", strings.Join(report.Formats, ", "))
	}
	*r = append(*r, v)
	return nil
}

// writeReport writes the findings of a run in the chosen format to stdout,
// and each --report to its file, written whole or not at all.
func writeReport(env *Env, r *reportOptions, files []report.File, all diag.List) error {
	opts := report.Options{Color: useColor(env, r.noColor), Version: version(), Rules: r.rules,
		Waived: r.waived, Incomplete: r.incomplete, Scope: r.scope, Tests: r.tests, FailOn: r.failOn, ExitCode: r.exitCode}
	return writeReportWith(env, r, files, all, opts)
}

// writeReportWith is writeReport with the report's options made.
func writeReportWith(env *Env, r *reportOptions, files []report.File, all diag.List, opts report.Options) error {
	if r.incomplete {
		opts.Unchecked = unchecked(all)
	}
	if slices.Contains([]string{"sarif", "gitlab"}, r.format) || strings.Contains(r.reports.String(), "sarif=") || strings.Contains(r.reports.String(), "gitlab=") {
		opts.Dir, _ = os.Getwd()
		opts.Root = sourceRoot(opts.Dir, all)
	}
	// One write per finding line would be thousands of system calls in a
	// large repository; the report goes out in blocks.
	out := bufio.NewWriter(env.Stdout)
	if err := report.Write(out, r.format, files, all, opts); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	for _, spec := range r.reports {
		format, name, _ := strings.Cut(spec, "=")
		var buf bytes.Buffer
		opts := opts
		opts.Color = false
		if err := report.Write(&buf, format, files, all, opts); err != nil {
			return err
		}
		if err := writeAtomic(name, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// unchecked are the errors that kept kiln from checking something: the
// inputs and policies it could not read, else every error of a run that
// ended with exit 2.
func unchecked(all diag.List) diag.List {
	var out diag.List
	for _, d := range all {
		if d.Unchecked() {
			out = append(out, d)
		}
	}
	if out == nil {
		for _, d := range all {
			if d.Severity == diag.Error && d.Waived == "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// sourceRoot is the repository root reports name files relative to: the
// one holding the first reported file that is in a repository, else the
// one holding the working directory dir, else dir.
func sourceRoot(dir string, all diag.List) string {
	if dir == "" {
		return ""
	}
	for _, d := range all {
		if d.Pos.File == nil {
			continue
		}
		name := d.Pos.File.Name
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if root := discover.RootOf(repofile.Disk(""), filepath.Dir(name)); root != "" {
			return root
		}
		break
	}
	if root := discover.RootOf(repofile.Disk(""), dir); root != "" {
		return root
	}
	return dir
}

// writeAtomic writes a report to name through a temporary file and a
// rename, readable as a file the user wrote would be.
func writeAtomic(name string, data []byte) error { return writeFileAtomic(name, data, 0o644) }

// writeFileAtomic writes data to name through a temporary file in its
// directory, given perm before the rename: a reader sees the old file or
// the whole new one, never part of it.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// failOnLevel is the least severity of --fail-on that fails a run; none
// is above every severity, so that a report-only run exits 0 with
// findings (and still 2 when kiln could not check something).
func failOnLevel(s string) diag.Severity {
	if sev, ok := diag.ParseSeverity(s); ok {
		return sev
	}
	if s == "none" {
		return diag.Error + 1
	}
	return diag.Error
}

// useColor colours text only for a terminal, and never when NO_COLOR is
// set (https://no-color.org) or --no-color is given.
func useColor(env *Env, noColor bool) bool {
	if noColor || env.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(env.Stdout)
}

// isTerminal reports whether w is a terminal: a character device is not
// enough, since /dev/null is one too.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
