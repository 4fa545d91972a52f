package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
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
	s, inputs, ok := start(env, "validate", &o.reportOptions, o.stdinFilename, args)
	if !ok {
		return ExitBadInput
	}
	// validate reports no configuration mistake (check does); a valid
	// configuration's bounds hold here too.
	cfg, _ := loadConfig(args, "")
	setEval(inputs, o.evalOptions.limits(env, cfg))
	results := make([]checked, len(inputs))
	forEach(len(inputs), o.jobs, func(i int) { results[i] = checkOne(inputs[i], s) })
	var (
		all   diag.List
		files []report.File
	)
	for _, c := range results {
		all = append(all, c.diags...)
		files = append(files, c.file)
	}
	o.incomplete = all.HasErrors()
	if err := writeReport(env, &o.reportOptions, files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln validate: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintln(env.Stderr, report.Summary(len(inputs), all))
	resolveFailOn(&o.reportOptions, nil)
	failOn := failOnLevel(o.failOn)
	// An invalid definition could not be checked further: exit 2.
	return exitCode(all.HasErrors(), all, failOn)
}

// forEach calls f(i) for every i below n, on up to jobs goroutines, and
// returns when all calls have. f stores its result by i, so that what the
// caller reports never depends on scheduling.
func forEach(n, jobs int, f func(i int)) {
	jobs = max(1, min(jobs, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// start does what every command over definitions does first: it checks
// --format and --fail-on, loads the app schema and gathers the inputs. When
// it returns false it has said why on stderr.
func start(env *Env, cmd string, r *reportOptions, stdinFilename string, args []string) (*schema.Schema, []input, bool) {
	if !reportFlagsOK(env, cmd, r) {
		return nil, nil, false
	}
	s, err := schema.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln: internal error loading the app schema: %v\n", err)
		return nil, nil, false
	}
	inputs, err := gather(env, stdinFilename, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln %s: %v\n", cmd, err)
		return nil, nil, false
	}
	return s, inputs, true
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
		Waived: r.waived, Incomplete: r.incomplete}
	if r.incomplete {
		opts.Unchecked = unchecked(all)
	}
	if r.format == "sarif" || strings.Contains(r.reports.String(), "sarif=") {
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
		if unreadable(d) {
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
		if root := repoRootOf(filepath.Dir(name)); root != "" {
			return root
		}
		break
	}
	if root := repoRootOf(dir); root != "" {
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

// exitCode applies the exit-code contract: 2 when kiln could not check
// something, 1 when a finding is at least --fail-on, else 0.
func exitCode(badInput bool, all diag.List, failOn diag.Severity) int {
	if badInput {
		return ExitBadInput
	}
	for _, d := range all {
		if d.Severity >= failOn && d.Waived == "" {
			return ExitFindings
		}
	}
	return ExitClean
}

// input is one definition to check: its bytes, or why they could not be read.
type input struct {
	file       *source.File
	dockerfile *source.File // a Dockerfile beside the definition, if any
	root       string       // Jsonnet imports stay inside it
	readErr    error
	dockerErr  diag.List // the Dockerfile beside it could not be read
	// readFile reads every other file checking the app reads (its
	// imports, test files, snapshots, committed outputs); nil reads the
	// disk. See input.read in check.go.
	readFile func(name string) ([]byte, error)
	// ctx, when set, cancels the check (the editor's newer version); a
	// cancelled check is never stored in the cache.
	ctx context.Context
	// eval bounds the evaluation of a Jsonnet or CUE definition. A result
	// cut short by it is never stored, so it is no input of any key.
	eval evalLimits
}

// loadOptions are the options of every load of in's definition.
func (in input) loadOptions() load.Options {
	return in.eval.loadOptions(load.Options{Root: in.root, ReadFile: in.readFile, Context: in.ctx})
}

func gather(env *Env, stdinFilename string, args []string) ([]input, error) {
	var inputs []input
	var paths []string
	if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a != "-" })); n > 1 {
		return nil, errors.New("- (standard input) may be given only once")
	}
	for _, a := range args {
		if a != "-" {
			paths = append(paths, a)
			continue
		}
		data, err := readBounded(env.Stdin)
		in := input{file: source.NewFile(stdinFilename, data), root: ".", readErr: err}
		inputs = append(inputs, in)
	}
	if len(paths) == 0 {
		return inputs, nil
	}
	found, err := discover.Find(paths)
	if err != nil {
		return nil, err
	}
	for _, p := range found {
		in, _ := appInput(p)
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// readBounded reads at most one byte more than the loader accepts, so that
// a huge input is refused without being read into memory.
func readBounded(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, load.DefaultMaxBytes+1))
}

// readFile reads a definition: a regular file inside root, of which at
// most one byte more than the loader accepts is read (the loader names
// the bound).
func readFile(root, path string) ([]byte, error) {
	f, info, err := repofile.Open(root, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return repofile.ReadAtMost(f, info, load.DefaultMaxBytes+1)
}

// readDockerfile reads the Dockerfile beside the definition p, nil when
// there is none. One that is there but cannot be read is an error, at it.
func readDockerfile(root, p string) (*source.File, diag.List) {
	df := filepath.Join(filepath.Dir(p), "Dockerfile")
	if _, err := os.Lstat(df); err != nil {
		return nil, nil
	}
	b, err := repofile.Read(root, df, repofile.MaxBytes)
	f := source.NewFile(df, b)
	if err != nil {
		return nil, diag.List{readError(f, "load/read", err)}
	}
	return f, nil
}

// readError is the error of a file that could not be read, at its start.
func readError(f *source.File, code string, err error) diag.Diagnostic {
	msg := err.Error()
	var pe *os.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: code, Message: "cannot read the file: " + msg, Kind: diag.Input}
}

// checked is one input after the load and schema stages.
type checked struct {
	dockerfile *source.File // the Dockerfile beside it, as the check read it
	doc        *load.Doc
	app        *app.App // nil when diags has errors
	diags      diag.List
	file       report.File
}

func checkOne(in input, s *schema.Schema) checked {
	c := checked{file: report.File{Name: in.file.Name, Format: string(load.FormatOf(in.file.Name))}, dockerfile: in.dockerfile}
	if in.readErr != nil {
		c.diags = diag.List{readError(in.file, "load/read", in.readErr)}
		return c
	}
	if in.dockerErr != nil {
		c.diags = in.dockerErr
		return c
	}
	c.doc, c.diags = load.Load(in.file, in.loadOptions())
	if c.doc == nil {
		return c
	}
	if md := c.doc.Root.Field("metadata"); md != nil {
		if n := md.Value.Field("name"); n != nil {
			c.file.App, _ = n.Value.Scalar.(string)
		}
	}
	a, more := check.Check(c.doc, s)
	c.app = a
	c.diags = append(c.diags, more...)
	c.file.Valid = !c.diags.HasErrors()
	return c
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
