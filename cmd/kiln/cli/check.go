package cli

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/changes"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

type checkOptions struct {
	reportOptions
	policyOptions
	cacheOptions
	jobs        int
	kubeVersion string
	progress    string
	// failIfNone makes a run whose files belong to no app exit 2, for CI.
	failIfNone bool
	base       string // --base: check only the apps a change since this git ref affects
	shard      shardFlag
}

func init() {
	commands = append(commands, &command{
		name:  "check",
		args:  "[flags] [PATH...]",
		short: "the CI gate: schema, build, validation, guardrails and config tests, cached",
		long: `Check runs everything over the given paths (default: the repository holding
the working directory): the schema, the build of every environment with
strict Kubernetes validation, the guardrails, and the config tests beside
each app. It writes nothing. When .kiln/config.yaml names the directory
where kiln build's output is committed (outputs: DIR), check compares it
with a fresh build and reports each file that drifted, with a diff.

Results are cached (see kiln help cache): a second run over an unchanged
repository costs little more than reading its files, and changing one app
re-runs only that app.

Given files (as the pre-commit hook gives them), check maps each to its
apps: a definition selects its app; a test file, a snapshot, a
Dockerfile or any file beside a definition selects the app beside it; a
file an app imports (a Jsonnet library anywhere in the repository) or
reads through spec.files selects those apps; a policy, a data file
(beside the policies or named in the configuration), the configuration
or a committed output selects every app. Every app selected selects the
apps whose dependsOn names it. A file that belongs to no app is said so, and
checks nothing: when no file belongs to an app, check says so and exits 0,
as a hook given unrelated files should; --fail-if-no-objects-found makes
that exit 2, for CI jobs that must check something.

On a terminal, a run that lasts more than a moment shows a progress bar
with the apps counted and the time taken; --progress=always shows it
elsewhere too (never in CI by default). The last lines summarise apps,
artifacts, findings, tests, cache hits and wall time.

Exit status: 0 clean, 1 findings at --fail-on or a failing test or drift,
2 when an input could not be checked.

Examples:

	kiln check
	kiln check apps/ --format sarif --report junit=kiln.xml
	kiln check apps/checkout/kiln.yaml policy/team.rego
	kiln check --base origin/main --format sarif > kiln.sarif

--base REF checks only the apps whose inputs changed between the git ref
and the working tree (from where the branch left REF: their merge base),
mapping each changed file as the hook's files are mapped; the paths, if
given, are the directories or definitions it chooses among. In a shallow
clone, where the two share no history, it compares with the ref's own
tree (which counts what the ref gained as changed too). It never narrows
on a guess: when a file was deleted or renamed, or a policy, data or
configuration file changed, it checks every app and says why. The
summary reads "N of M apps checked, K unaffected", and --format json
lists both sets (scope).

--shard i/n checks shard i of n, split by a hash of each app's path;
kiln report merge joins the shards' JSON reports (docs/sharding.md).
--remote-cache URL shares results between machines through a Bazel HTTP
remote cache, read-only unless --remote-cache-write, which only trusted
branches should use (docs/remote-cache.md).`,
		minArgs: 0, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &checkOptions{}
			o.reportOptions.register(fs)
			o.policyOptions.register(fs)
			o.cacheOptions.register(fs)
			// Twice the cores: an app answered from the cache waits on
			// reads more than on the CPU.
			fs.IntVar(&o.jobs, "j", 2*runtime.GOMAXPROCS(0), "how many apps to check at once")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			fs.StringVar(&o.progress, "progress", "auto", "progress line: auto (terminals outside CI), always, never")
			fs.StringVar(&o.base, "base", "", "check only the apps whose inputs changed since this git ref (a branch, tag or commit)")
			fs.BoolVar(&o.failIfNone, "fail-if-no-objects-found", false, "exit 2, not 0, when none of the given files belongs to an app (for CI)")
			fs.StringVar(&o.shard.spec, "shard", "", "check only shard i of n (such as 2/4), split by a hash of each app's path; see docs/sharding.md")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runCheck(env, opts.(*checkOptions), args) },
	})
}

// nothingChecked ends a run given only files kiln has nothing to check
// in: a hook passes every file of a commit, so that is a pass (exit 0),
// said on stderr; with --fail-if-no-objects-found, as CI wants, it is
// exit 2.
func nothingChecked(env *Env, msg string, fail bool) int {
	if fail {
		fmt.Fprintf(env.Stderr, "%s; exit 2 (--fail-if-no-objects-found)\n", msg)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "%s; exit 0 (--fail-if-no-objects-found makes this an error)\n", msg)
	return ExitClean
}

// cacheOptions are the flags of commands that use the cache.
type cacheOptions struct {
	dir     string
	noCache bool
	remote  *remoteOptions // nil on commands without the remote cache's flags
}

func (c *cacheOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "cache-dir", "", "the cache directory (default: $KILN_CACHE, or kiln under the user cache directory)")
	fs.BoolVar(&c.noCache, "no-cache", false, "neither read nor write the cache, local or remote")
	c.remote = &remoteOptions{}
	c.remote.register(fs)
}

// engine opens the cache as the flags say. The error is a malformed
// remote cache flag; an unusable cache is a warning.
func (c *cacheOptions) engine(env *Env) (*engine.Engine, error) {
	o := engine.Options{Debug: env.Getenv("KILN_DEBUG"), Trace: env.Stderr,
		Warn: func(msg string) { fmt.Fprintf(env.Stderr, "kiln: warning: %s\n", msg) }}
	var err error
	if o.Stores, err = c.stores(env, o.Warn); err != nil {
		return nil, err
	}
	if !c.noCache {
		dir := c.dir
		if dir == "" {
			var err error
			if dir, err = cache.DefaultDir(env.Getenv); err != nil {
				o.Warn(fmt.Sprintf("no user cache directory (%v); running without a cache", err))
			}
		}
		o.Dir = dir
	}
	return engine.New(o), nil
}

func runCheck(env *Env, o *checkOptions, args []string) int {
	began := time.Now()
	if !reportFlagsOK(env, "check", &o.reportOptions) || !o.shard.parse(env) {
		return ExitBadInput
	}
	if o.progress != "auto" && o.progress != "always" && o.progress != "never" {
		fmt.Fprintf(env.Stderr, "kiln check: unknown --progress %q (valid: auto, always, never)\n", o.progress)
		return ExitBadInput
	}
	wo := o.policyOptions.workspaceOptions(env, args)
	wo.KubeVersion, wo.Jobs, wo.LazyPolicies = o.kubeVersion, o.jobs, true
	var err error
	if wo.Cache, err = o.cacheOptions.engine(env); err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: %v\n", err)
		return ExitBadInput
	}
	w, ok := open(env, "check", wo)
	if !ok {
		return ExitBadInput
	}
	if o.base != "" {
		return runCheckSince(env, o, w, wo, args, began)
	}
	affected, err := w.Affected(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: %v\n", err)
		return ExitBadInput
	}
	for _, a := range affected.Unmapped {
		fmt.Fprintf(env.Stderr, "kiln check: %s belongs to no app: it is not a definition, a test, a snapshot or a Dockerfile beside an app, a policy, data or configuration file, nor imported by an app\n", a)
	}
	if len(affected.Paths) == 0 {
		return nothingChecked(env, "kiln check: none of the files belongs to an app; nothing was checked", o.failIfNone)
	}
	return checkPaths(env, o, wo, affected.Paths, nil, began)
}

// checkPaths checks the apps under paths (at least one) and reports
// them; scope, when set, says what the run covered of the repository.
func checkPaths(env *Env, o *checkOptions, wo workspace.Options, paths []string, scope *report.Scope, began time.Time) int {
	// The workspace is the repository of the first app, as the paths
	// the files mapped to name it.
	wo.Dir = paths[0]
	w, ok := open(env, "check", wo)
	if !ok {
		return ExitBadInput
	}
	var prog *progress
	r, err := w.Check(env.Ctx, paths, workspace.CheckOptions{Shard: o.shard.shard, Progress: func(done, total int) {
		if prog == nil {
			prog = newProgress(env, o.progress, total)
		}
		prog.step()
	}})
	if prog != nil {
		prog.done()
	}
	if err != nil {
		return failed(env, "check", &o.reportOptions, err)
	}
	if o.failOn == "" {
		o.failOn = w.FailOn()
	}
	if scope != nil && scope.Base != "" {
		// A waiver no affected app used may be used by an unaffected
		// one: whether it is unused is a question for a whole check.
		r.Diagnostics = slices.DeleteFunc(r.Diagnostics, func(d diag.Diagnostic) bool { return d.Code == "waiver/unused" })
	}
	o.rules, _ = w.Rules()
	all := withWaived(r.Diagnostics, r.Waived, o.showWaived)
	for _, t := range r.Tests {
		if t.Status == "failed" {
			all = append(all, t.Failures...)
		}
	}
	o.waived, o.incomplete = r.Waived, r.Incomplete
	exit := r.ExitCode(failOnLevel(o.failOn))
	o.scope, o.tests, o.exitCode = o.shard.scope(r), r.Tests, &exit
	if o.shard.spec != "" {
		o.scope.Commit = changes.Head(env.Ctx, paths[0])
	}
	for _, p := range r.WaiversUsed {
		o.scope.WaiversUsed = append(o.scope.WaiversUsed, report.PosString(p))
	}
	if scope != nil { // --base: what it left out of the repository's apps
		o.scope.Base, o.scope.Unaffected, o.scope.Total, o.scope.Everything = scope.Base, scope.Unaffected, scope.Total, scope.Everything
	}
	if err := writeReport(env, &o.reportOptions, r.Files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: writing the report: %v\n", err)
		return ExitBadInput
	}
	if o.scope.Base != "" {
		fmt.Fprintf(env.Stderr, "kiln check: %s\n", sinceSummary(o.scope))
	}
	if o.shard.empty(env, r) {
		return exit
	}
	passed, failed := workspace.CountTests(r.Tests)
	fmt.Fprintf(env.Stderr, "kiln check: %s, %s: %s, %s, %s; tests %d passed, %d failed; cache %d hits, %d misses%s; %s\n",
		o.shard.apps(r), report.Plural(r.Artifacts, "artifact"), report.Plural(all.Count(diag.Error), "error"), report.Plural(all.Count(diag.Warning), "warning"),
		report.Plural(all.Count(diag.Info), "note"), passed, failed, r.Hits, r.Misses, o.remote.summary(), time.Since(began).Round(time.Millisecond))
	fmt.Fprintln(env.Stderr, r.Evaluated)
	if c := wo.Cache.Cache(); c != nil {
		c.Trim(false)
	}
	return exit
}

// runCheckSince is kiln check --base: the apps under args (directories
// or definitions) that a change since the ref affects, and a summary of
// the ones left out. None affected is a clean run that says so, with a
// report all the same: a CI job uploads it whatever was checked.
func runCheckSince(env *Env, o *checkOptions, w *workspace.Workspace, wo workspace.Options, args []string, began time.Time) int {
	for _, a := range args {
		if info, err := os.Stat(a); err == nil && !info.IsDir() && !discover.IsDefinition(a) {
			fmt.Fprintf(env.Stderr, "kiln check: with --base, a path is a directory or an app definition to choose among; %s is neither\n", a)
			return ExitBadInput
		}
	}
	since, err := w.Since(env.Ctx, o.base, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: %v\n", err)
		return ExitBadInput
	}
	if since.Total == 0 { // as without --base: a run over no app is no clean run
		fmt.Fprintf(env.Stderr, "kiln check: no kiln app definitions under %s (looked for %s)\n", strings.Join(orDot(args), ", "), strings.Join(discover.Names, ", "))
		return ExitBadInput
	}
	for _, f := range since.Unmapped {
		fmt.Fprintf(env.Stderr, "kiln check: %s changed and belongs to no app (no app's definition, test, snapshot or Dockerfile, none beside or above it, none that names or imports it)\n", f)
	}
	if since.Changes != nil && since.Changes.Direct {
		fmt.Fprintf(env.Stderr, "kiln check: %s and HEAD share no history here (a shallow clone?); comparing with %s itself\n", o.base, o.base)
	}
	if since.Everything != "" {
		fmt.Fprintf(env.Stderr, "kiln check: checking every app: %s\n", since.Everything)
	}
	scope := &report.Scope{Base: o.base, Checked: since.Paths, Unaffected: since.Unaffected, Total: since.Total, Everything: since.Everything}
	if len(since.Paths) > 0 {
		return checkPaths(env, o, wo, since.Paths, scope, began)
	}
	scope.Shard, scope.Checked = o.shard.shard.String(), []string{}
	exit := ExitClean
	o.scope, o.exitCode = scope, &exit
	if o.failOn == "" {
		o.failOn = w.FailOn() // merged with the shards that checked something, it must agree with theirs
	}
	if err := writeReport(env, &o.reportOptions, nil, nil); err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "kiln check: %s; nothing to check; %s\n", sinceSummary(scope), time.Since(began).Round(time.Millisecond))
	return exit
}

// sinceSummary is the line that says what --base left out; in a shard,
// of the apps affected, how many the shard checked.
func sinceSummary(s *report.Scope) string {
	if s.Shard != "" {
		return fmt.Sprintf("%d of %d apps affected since %s, %d unaffected; shard %s checked %d of them",
			s.Total-len(s.Unaffected), s.Total, s.Base, len(s.Unaffected), s.Shard, len(s.Checked))
	}
	return fmt.Sprintf("%d of %d apps checked, %d unaffected since %s", len(s.Checked), s.Total, len(s.Unaffected), s.Base)
}

// orDot is the paths given, or "." for none.
func orDot(paths []string) []string {
	if len(paths) == 0 {
		return []string{"."}
	}
	return paths
}
