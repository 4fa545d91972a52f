package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
	"github.com/kilnhq/kiln/internal/sandbox"
	"github.com/kilnhq/kiln/schemas/kube"
)

// Options say how to open a workspace. The zero value opens the
// repository holding the working directory with its own configuration,
// kiln's built-in guardrails, the default Kubernetes version, no cache and
// evaluation in this process.
type Options struct {
	// Dir is a path inside the repository: the configuration that governs
	// it (.kiln/config.yaml above it) is the workspace's. "" is the
	// working directory.
	Dir string
	// Config names the configuration file instead (kiln's --config).
	Config string
	// Policies are more directories of Rego policies, Data more data
	// files for them, beside what the configuration names.
	Policies, Data []string
	// Namespaces are the conftest packages whose deny/warn/violation rules
	// run (default main); AllNamespaces runs every package's.
	Namespaces    []string
	AllNamespaces bool
	// NoPolicy runs no guardrails (kiln build --no-policy). The
	// configuration's evaluation bounds still hold.
	NoPolicy bool
	// KubeVersion is the Kubernetes version objects are validated
	// against, such as "1.37"; "" is kube.Default().
	KubeVersion string
	// Limits bound the evaluation of code the repository supplies; a zero
	// field takes the configuration's setting, else kiln's default.
	Limits Limits
	// Cache memoises each app's computations; nil computes everything.
	Cache *engine.Engine
	// Sandbox evaluates Jsonnet and CUE in worker processes under
	// Limits.EvalMemory; nil evaluates in this process, bounded in time
	// only. A program that passes one calls sandbox.ServeIfWorker first
	// thing in main.
	Sandbox *sandbox.Pool
	// Jobs is how many apps are computed at once; 0 is twice the cores
	// (an app answered from the cache waits on reads more than on the CPU).
	Jobs int
	// LazyPolicies defers compiling the guardrails to the first app not
	// answered from the cache: a warm run pays nothing for them, and a
	// policy that does not compile is reported with that app.
	LazyPolicies bool
	// Stdin is read for the path "-", named StdinName (which decides its
	// format; default kiln.yaml).
	Stdin     io.Reader
	StdinName string
}

// Limits bound one evaluation each; see Options.Limits.
type Limits struct {
	EvalTimeout   time.Duration // one Jsonnet or CUE evaluation
	EvalMemory    int64         // bytes one Jsonnet or CUE evaluation may hold
	PolicyTimeout time.Duration // one evaluation of the guardrails
	PolicyMemory  int64         // heap the guardrails' evaluations may add
}

// A Workspace is one repository opened with its configuration and
// guardrails. Its methods compute and return results; they never print.
// It is safe for concurrent use.
type Workspace struct {
	opts Options
	kube string

	guard func() (*guardrails, error)
	// stored are the guardrails as a run answered from the cache needs
	// them (storedGuardrails): guard's, or, with LazyPolicies, made from
	// what the cache kept of a load of the same policies. Everything
	// that evaluates a policy takes guard's.
	stored func() (*guardrails, error)
	// sharedKey hashes what every app's computation reads besides its
	// own files; prepare loads what computing one needs (the schema, the
	// validator, the build options), once, when an app misses the cache.
	sharedKey func() []byte
	prepare   func() (prepared, error)
	config    func() (*config.Config, diag.List)
	schema    func() (*schema.Schema, error)
}

// Open opens the workspace o describes. It reads nothing that can fail
// on the repository's account: a configuration or policy that does not
// load is reported, as a *LoadError, by the first method that needs it.
func Open(ctx context.Context, o Options) (*Workspace, error) {
	kv, err := kubeVersion(o.KubeVersion)
	if err != nil {
		return nil, err
	}
	if o.Jobs <= 0 {
		o.Jobs = 2 * runtime.GOMAXPROCS(0)
	}
	if o.Cache == nil {
		o.Cache = engine.New(engine.Options{}) // computes everything
	}
	if o.StdinName == "" {
		o.StdinName = "kiln.yaml"
	}
	w := &Workspace{opts: o, kube: kv}
	args := []string{o.Dir}
	if o.Dir == "" {
		args = nil
	}
	w.config = sync.OnceValues(func() (*config.Config, diag.List) { return loadConfig(args, o.Config) })
	w.guard = sync.OnceValues(func() (*guardrails, error) {
		if o.NoPolicy {
			return nil, nil
		}
		g, ds := loadGuardrails(args, o, o.LazyPolicies)
		if ds != nil {
			return nil, &LoadError{Diagnostics: ds}
		}
		return g, nil
	})
	w.stored = sync.OnceValues(func() (*guardrails, error) {
		if o.NoPolicy || !o.LazyPolicies {
			return w.guard()
		}
		return storedGuardrails(args, o, w.guard)
	})
	w.schema = sync.OnceValues(schema.Load)
	w.sharedKey = sync.OnceValue(func() []byte {
		g, _ := w.stored()
		return sharedKey(g, kv, w.kubeVersions())
	})
	w.prepare = sync.OnceValues(w.loadPrepared)
	return w, nil
}

// kubeVersion is v as kiln names it ("1.37"), kube.Default() for "", or
// ErrKubeVersion.
func kubeVersion(v string) (string, error) {
	kv := strings.TrimPrefix(v, "v")
	if kv == "" {
		kv = kube.Default()
	}
	if !slices.Contains(kube.Versions(), kv) {
		return "", fmt.Errorf("%w: kiln validates against %s", ErrKubeVersion, strings.Join(kube.Versions(), ", "))
	}
	return kv, nil
}

// KubeVersion is the Kubernetes version the workspace validates against.
func (w *Workspace) KubeVersion() string { return w.kube }

// kubeVersions are the repository's Kubernetes versions by environment
// (.kiln/config.yaml kubeVersions), which come before KubeVersion; nil
// when it names none or its configuration does not load (which the run
// reports where it needs the configuration).
func (w *Workspace) kubeVersions() map[string]string {
	cfg, err := w.Config()
	if err != nil {
		return nil
	}
	return cfg.KubeVersions
}

// Config is the repository's configuration: the default one when the
// repository has none. A configuration that does not load is a
// *LoadError.
func (w *Workspace) Config() (*config.Config, error) {
	if g, err := w.stored(); err != nil || g != nil {
		if err != nil {
			return nil, err
		}
		return g.cfg, nil
	}
	cfg, ds := w.config()
	if ds != nil {
		return nil, &LoadError{Diagnostics: ds}
	}
	return cfg, nil
}

// Rules describes the guardrails in force, for reports; nil with
// NoPolicy. Built-in rules link to their entry in the rules reference.
func (w *Workspace) Rules() ([]report.Rule, error) {
	g, err := w.stored()
	if err != nil || g == nil {
		return nil, err
	}
	return g.reportRules(), nil
}

// Policies are the guardrails in force: kiln's rules, the repository's
// and the options' policies, with the configuration's severities and
// disabled rules applied. A workspace opened with NoPolicy has none.
func (w *Workspace) Policies() (*guard.Bundle, error) {
	g, err := w.guardrails()
	if err != nil {
		return nil, err
	}
	return g.bundle, nil
}

// eval is the evaluation bounds of the workspace's apps: the options',
// else the configuration's (a configuration that does not load bounds
// nothing), else load's defaults.
func (w *Workspace) eval() evalLimits {
	l := evalLimits{sandbox: w.opts.Sandbox, timeout: w.opts.Limits.EvalTimeout, memory: w.opts.Limits.EvalMemory}
	cfg, _ := w.Config()
	return l.withConfig(cfg)
}

// A LoadError is a repository configuration, policy or data file that
// kept the workspace from loading its guardrails: nothing could be
// checked (exit 2). Its diagnostics are positioned in those files.
type LoadError struct {
	Diagnostics diag.List
}

func (e *LoadError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "the guardrails could not be loaded"
	}
	return fmt.Sprintf("the guardrails could not be loaded: %s", report.Plural(len(e.Diagnostics), "error"))
}

// Exit codes: the contract of every kiln command.
const (
	ExitClean    = 0 // nothing at --fail-on
	ExitFindings = 1 // a finding at --fail-on, a failing test, drift
	ExitBadInput = 2 // something could not be checked
)

// A Result is what a run over apps or manifests found.
type Result struct {
	// Files are the inputs, in path order, with whether each was valid
	// and guarded.
	Files []report.File
	// Diagnostics are the findings of every input and of the run as a
	// whole (unused or expired waivers, every rule disabled); the ones
	// waivers exempted are in Waived instead.
	Diagnostics diag.List
	// Waived are the findings waivers exempted.
	Waived diag.List
	// Incomplete says something could not be checked: exit 2.
	Incomplete bool
	// Evaluated is what the guardrails judged.
	Evaluated Evaluated
	// Hits and Misses count the cache's answers.
	Hits, Misses int64
	// WaiversUsed are where the repository's waivers this run used are
	// written (see waiver.Set.UsedAt).
	WaiversUsed []source.Pos
}

// ExitCode applies the exit-code contract: ExitBadInput when something
// could not be checked, ExitFindings when a finding is at least failOn,
// else ExitClean.
func (r *Result) ExitCode(failOn diag.Severity) int {
	if r.Incomplete {
		return ExitBadInput
	}
	for _, d := range r.Diagnostics {
		if d.Severity >= failOn && d.Waived == "" {
			return ExitFindings
		}
	}
	return ExitClean
}

// FailOn is the severity a run fails at by default: the configuration's
// failOn, else error.
func (w *Workspace) FailOn() string {
	if g, err := w.stored(); err == nil && g != nil && g.cfg.FailOn != "" {
		return g.cfg.FailOn
	}
	return "error"
}

// ErrKubeVersion is Open's answer to a Kubernetes version kiln has no
// schemas for.
var ErrKubeVersion = errors.New("unknown Kubernetes version")

var errNoGuardrails = errors.New("the workspace was opened without guardrails (NoPolicy)")

// tools are what a run that builds apps needs, each loaded once per
// workspace: the app schema, the Kubernetes validator and the guardrails
// (nil with NoPolicy unless guarded, which makes them required).
type tools struct {
	schema    *schema.Schema
	validator *validate.Validator
	g         *guardrails
}

func (w *Workspace) tools(guarded bool) (tools, error) {
	// The three load at once: on a cold run of one app (the pre-commit
	// hook's) they are most of what comes before the app, and none needs
	// another.
	var (
		t                tools
		serr, verr, gerr error
		wg               sync.WaitGroup
	)
	wg.Go(func() { t.schema, serr = w.schema() })
	wg.Go(func() { t.validator, verr = validate.For(w.kube) })
	if guarded {
		// Every guarded run evaluates policies: their compilation starts
		// once they are parsed, beside the schema's, rather than after it.
		if t.g, gerr = w.guardrails(); gerr == nil && t.g.bundle != nil {
			t.g.bundle.Warm()
		}
	} else {
		t.g, gerr = w.guard()
	}
	wg.Wait()
	return t, cmp.Or(serr, verr, gerr)
}

// guardrails are the workspace's guardrails, which every method but
// Build needs.
func (w *Workspace) guardrails() (*guardrails, error) {
	g, err := w.guard()
	if err == nil && g == nil {
		err = errNoGuardrails
	}
	return g, err
}
