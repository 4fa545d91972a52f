package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/appdiff"
	"github.com/kilnhq/kiln/compiler/changes"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

type diffOptions struct {
	base, head  string
	format      string
	exitCode    bool
	emit        string
	kubeVersion string
	noColor     bool
	cacheOptions
}

// diffFormats are kiln diff's output formats.
var diffFormats = []string{"text", "markdown", "json"}

func init() {
	commands = append(commands, &command{
		name:  "diff",
		args:  "[flags] [PATH...]",
		short: "what a change does to the rendered manifests, per app and environment",
		long: `Diff builds the apps under the paths (default: the whole repository) twice,
from the git ref --base and from the working tree, and shows what the change
does to each app's rendered manifests (rendered/<env>.yaml), per environment:
the objects added, removed and changed, field by field, in the path syntax of
docs/paths.md, then the unified diff of the YAML.

The base side is the tree of the commit where the branch left --base (their
merge base, as git diff REF...HEAD and a pull request compare), written to a
temporary directory and built there with the same options; the repository's
index and working tree are not touched. In a shallow clone, where the two
share no history, it is the ref's own tree. --head REF builds a second ref
instead of the working tree. Apps are matched by their definition's path,
then by name: an app renamed in place or moved is one app that changed.

--format markdown writes a report for a pull-request comment or a job
summary: a table, then one collapsed section per app, bounded in size.
--format json is for programs (docs/diff.md).

Exit status: 0 when both sides built, whether or not anything changed;
with --exit-code, 1 when something changed (as git diff --exit-code);
2 when an app or the configuration could not be built on either side
(reported at its file, line and column, the base's as REF:PATH), or the ref
names no commit.

Examples:

	kiln diff
	kiln diff --base origin/main
	kiln diff --base origin/main --format markdown >> "$GITHUB_STEP_SUMMARY"
	kiln diff --base v1.4.0 --head v1.5.0 apps/checkout`,
		minArgs: 0, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &diffOptions{}
			fs.StringVar(&o.base, "base", "HEAD", "the git ref to compare with (a branch, tag or commit); its merge base with the head is built")
			fs.StringVar(&o.head, "head", "", "a git ref to build instead of the working tree")
			fs.StringVar(&o.format, "format", "text", "output format: "+strings.Join(diffFormats, ", "))
			fs.BoolVar(&o.exitCode, "exit-code", false, "exit 1 when the manifests change, as git diff --exit-code")
			fs.StringVar(&o.emit, "emit", strings.Join(emit.DefaultNames(), ","), "outputs to build, as kiln build's --emit (slo adds its objects to the manifests)")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			fs.BoolVar(&o.noColor, "no-color", false, "never colour the output (also: NO_COLOR=1)")
			o.cacheOptions.register(fs)
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runDiff(env, opts.(*diffOptions), args) },
	})
}

// diffSide is one side of a diff: a tree and the apps built from it.
type diffSide struct {
	name string            // "base" or "head", for the JSON report
	rev  *changes.Revision // nil for the working tree
	repo string            // the repository's top directory
	root string            // the tree's top directory: repo, or a ref's copy
	// covered are the paths given under which the side has an app ("" for
	// none given: the repository).
	covered map[string]bool
	built   *workspace.Rendered // what it built
}

func runDiff(env *Env, o *diffOptions, args []string) int {
	if !slices.Contains(diffFormats, o.format) {
		fmt.Fprintf(env.Stderr, "kiln diff: unknown --format %q (valid: %s)\n", o.format, strings.Join(diffFormats, ", "))
		return ExitBadInput
	}
	artifacts, err := emit.Parse(o.emit)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln diff: --emit: %v\n", err)
		return ExitBadInput
	}
	if slices.Contains(args, "-") {
		fmt.Fprintln(env.Stderr, "kiln diff: - (standard input) has no git history to compare with; name a directory or definition")
		return ExitBadInput
	}
	base, head, code := diffSides(env, o, args)
	if code != ExitClean {
		return code
	}
	tmp, err := os.MkdirTemp("", "kiln-diff-")
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
		return ExitBadInput
	}
	defer os.RemoveAll(tmp)
	for _, s := range []*diffSide{base, head} {
		if code := buildSide(env, o, s, tmp, args, workspace.BuildOptions{Emit: artifacts}); code != ExitClean {
			return code
		}
	}
	if msg := uncovered(base, head, args); msg != "" {
		fmt.Fprintf(env.Stderr, "kiln diff: %s\n", msg)
		return ExitBadInput
	}
	return reportDiff(env, o, base, head)
}

// diffSides resolves the refs: the base is --base's merge base with the
// head (HEAD, or --head).
func diffSides(env *Env, o *diffOptions, args []string) (base, head *diffSide, code int) {
	at := firstPath(args)
	if at == "" {
		at = "."
	}
	rev, err := changes.Resolve(env.Ctx, existing(at), o.base)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln diff: --base %s: %v\n", o.base, err)
		return nil, nil, ExitBadInput
	}
	head = &diffSide{name: "head", root: rev.Root, repo: rev.Root, covered: map[string]bool{}}
	if o.head != "" {
		if head.rev, err = changes.Resolve(env.Ctx, rev.Root, o.head); err != nil {
			fmt.Fprintf(env.Stderr, "kiln diff: --head %s: %v\n", o.head, err)
			return nil, nil, ExitBadInput
		}
	}
	headRef := o.head
	mb, direct := rev.MergeBase(env.Ctx, headRef)
	if direct {
		fmt.Fprintf(env.Stderr, "kiln diff: %s shares no history with %s here (a shallow clone?); comparing with %s itself\n", o.base, orHEAD(headRef), o.base)
	}
	return &diffSide{name: "base", rev: mb, root: rev.Root, repo: rev.Root, covered: map[string]bool{}}, head, ExitClean
}

func orHEAD(ref string) string {
	if ref == "" {
		return "HEAD"
	}
	return ref
}

// existing is the closest existing directory at or above p: a path
// deleted in the working tree still names a place in the repository.
func existing(p string) string {
	for {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "."
		}
		p = parent
	}
}

// buildSide writes the side's tree when it is a ref, and builds the
// apps under the paths that exist in it.
func buildSide(env *Env, o *diffOptions, s *diffSide, tmp string, args []string, bo workspace.BuildOptions) int {
	repo := s.repo
	if s.rev != nil {
		s.root = filepath.Join(tmp, s.name)
		if err := s.rev.Checkout(env.Ctx, s.root); err != nil {
			fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
			return ExitBadInput
		}
		// kiln finds a repository's top (which bounds every file an app
		// reads, and the configuration) by its .git.
		if err := os.Mkdir(filepath.Join(s.root, ".git"), 0o755); err != nil {
			fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
			return ExitBadInput
		}
	}
	paths, code := sidePaths(env, repo, s.root, args)
	if code != ExitClean {
		return code
	}
	s.built = &workspace.Rendered{}
	paths = withApps(paths)
	if len(paths) == 0 {
		return ExitClean // no app under the paths on this side: every app is new, or gone
	}
	for _, p := range paths {
		s.covered[p.arg] = true
	}
	wo := workspace.Options{Dir: paths[0].path, NoPolicy: true, KubeVersion: o.kubeVersion, Sandbox: env.Sandbox}
	if s.rev == nil {
		var err error
		if wo.Cache, err = o.cacheOptions.engine(env); err != nil {
			fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
			return ExitBadInput
		}
	}
	w, ok := open(env, "diff", wo)
	if !ok {
		return ExitBadInput
	}
	var names []string
	for _, p := range paths {
		names = append(names, p.path)
	}
	r, err := w.Rendered(env.Ctx, s.root, names, bo)
	if err != nil {
		if s.rev != nil {
			return sideFailed(env, s, err)
		}
		fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
		return ExitBadInput
	}
	s.built = r
	if s.rev != nil {
		rename(r.Diagnostics, s)
	}
	return ExitClean
}

// withApps keeps the paths that hold an app: a directory whose apps are
// all new, or all gone, holds none on one side.
func withApps(paths []sidePath) []sidePath {
	return slices.DeleteFunc(paths, func(p sidePath) bool {
		_, err := discover.Find([]string{p.path})
		return errors.Is(err, discover.ErrNoApps)
	})
}

// sideFailed reports an error building a ref's tree: a message that
// names the tree's temporary directory is of no use, so it names the ref.
func sideFailed(env *Env, s *diffSide, err error) int {
	msg := strings.ReplaceAll(err.Error(), s.root+string(filepath.Separator), s.rev.Ref+":")
	fmt.Fprintf(env.Stderr, "kiln diff: %s: %s\n", s.rev.Ref, msg)
	return ExitBadInput
}

// A sidePath is a path given, and where it is in a side's tree.
type sidePath struct{ arg, path string }

// sidePaths maps the paths given (in the working tree) to the side's
// tree, leaving out those it lacks (their apps are new, or gone). No
// path is the whole repository.
func sidePaths(env *Env, repo, root string, args []string) ([]sidePath, int) {
	if len(args) == 0 {
		if root == repo {
			return []sidePath{{"", repofile.Display(root)}}, ExitClean
		}
		return []sidePath{{"", root}}, ExitClean
	}
	var out []sidePath
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			fmt.Fprintf(env.Stderr, "kiln diff: %s: %v\n", a, err)
			return nil, ExitBadInput
		}
		rel, err := filepath.Rel(repo, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			fmt.Fprintf(env.Stderr, "kiln diff: %s is outside the repository at %s\n", a, repo)
			return nil, ExitBadInput
		}
		p := filepath.Join(root, rel)
		if root == repo {
			p = a // the working tree: as given, so that messages name it so
		}
		if _, err := os.Stat(p); err == nil {
			out = append(out, sidePath{a, p})
		}
	}
	return out, ExitClean
}

// uncovered says, for a path under which neither side has an app, what
// is wrong with it; "" when every path holds an app on one side.
func uncovered(base, head *diffSide, args []string) string {
	if len(args) == 0 {
		args = []string{""}
	}
	for _, a := range args {
		if base.covered[a] || head.covered[a] {
			continue
		}
		if a == "" {
			return fmt.Sprintf("no kiln app definitions in the repository at %s, on either side", head.repo)
		}
		if _, err := os.Stat(a); err != nil && head.rev == nil {
			return fmt.Sprintf("%s: no such file or directory, nor in %s", a, base.rev.Ref)
		}
		return fmt.Sprintf("no kiln app definitions under %s, on either side", a)
	}
	return ""
}

// rename names the files of a ref's tree in diagnostics as git does,
// REF:PATH, rather than by their temporary directory.
func rename(ds diag.List, s *diffSide) {
	done := map[*source.File]bool{}
	fix := func(p source.Pos) {
		if f := p.File; f != nil && !done[f] {
			done[f] = true
			if rel, err := filepath.Rel(s.root, f.Name); err == nil && !strings.HasPrefix(rel, "..") {
				f.Name = s.rev.Ref + ":" + filepath.ToSlash(rel)
			}
		}
	}
	for _, d := range ds {
		fix(d.Pos)
		for _, r := range d.Related {
			fix(r.Pos)
		}
	}
}

// reportDiff compares the sides and writes the report; the apps either
// side could not build are reported, and compared on neither.
func reportDiff(env *Env, o *diffOptions, base, head *diffSide) int {
	failed := append(slices.Clone(base.built.Failed), head.built.Failed...)
	keep := func(apps []appdiff.App) []appdiff.App {
		return slices.DeleteFunc(slices.Clone(apps), func(a appdiff.App) bool { return slices.Contains(failed, a.Definition) })
	}
	r, err := appdiff.Compare(keep(base.built.Apps), keep(head.built.Apps))
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln diff: %v\n", err)
		return ExitBadInput
	}
	r.Base, r.Head = sideLabel(base), sideLabel(head)
	problems := append(slices.Clone(base.built.Diagnostics), head.built.Diagnostics...)
	code := ExitClean
	switch {
	case len(problems) > 0:
		code = ExitBadInput
	case o.exitCode && len(r.Apps) > 0:
		code = ExitFindings
	}
	if len(problems) > 0 {
		report.Text(env.Stderr, problems.Sort(), report.TextOptions{Color: !o.noColor && env.Getenv("NO_COLOR") == "" && isTerminal(env.Stderr)})
	}
	if err := writeDiff(env.Stdout, o.format, r, base, head, code); err != nil {
		fmt.Fprintf(env.Stderr, "kiln diff: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintln(env.Stderr, diffSummary(r, base, len(slices.Compact(slices.Sorted(slices.Values(failed))))))
	return code
}

func writeDiff(w io.Writer, format string, r *appdiff.Report, base, head *diffSide, code int) error {
	switch format {
	case "markdown":
		return appdiff.Markdown(w, r)
	case "json":
		return appdiff.JSON(w, r, jsonSide(base), jsonSide(head), append(problems(base), problems(head)...), code)
	}
	return appdiff.Text(w, r)
}

// sideLabel names a side for people: "main (3f2a9c1)", "the working tree".
func sideLabel(s *diffSide) string {
	if s.rev == nil {
		return "the working tree"
	}
	return s.rev.Ref + " (" + s.rev.Commit[:min(7, len(s.rev.Commit))] + ")"
}

func jsonSide(s *diffSide) appdiff.Side {
	if s.rev == nil {
		return appdiff.Side{WorkingTree: true}
	}
	return appdiff.Side{Ref: s.rev.Ref, Commit: s.rev.Commit}
}

// problems are a side's diagnostics for the JSON report.
func problems(s *diffSide) []appdiff.Problem {
	var out []appdiff.Problem
	for _, d := range s.built.Diagnostics.Sort() {
		line, col := d.Pos.LineCol()
		name := ""
		if d.Pos.File != nil {
			name = d.Pos.File.Name
		}
		out = append(out, appdiff.Problem{Side: s.name, File: filepath.ToSlash(name), Line: line, Column: col, Code: d.Code, Message: d.Message})
	}
	return out
}

// diffSummary is the line on stderr: how many apps change, and how many
// objects.
func diffSummary(r *appdiff.Report, base *diffSide, failed int) string {
	added, changed, removed := r.Counts()
	s := fmt.Sprintf("kiln diff: %d of %s changed since %s: %d objects added, %d changed, %d removed",
		len(r.Apps), report.Plural(r.Total, "app"), sideLabel(base), added, changed, removed)
	if failed > 0 {
		s += fmt.Sprintf("; %s not compared (could not build)", report.Plural(failed, "app"))
	}
	return s
}
