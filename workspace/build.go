package workspace

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/team"
)

// built is one app's build, ready to write.
type built struct {
	in       input
	name     string        // the app's name: its directory under DIR
	pos, end source.Pos    // where metadata.name is, for a clash
	result   *build.Result // nil when the build came from the cache
	files    map[string][]byte
}

// buildOne runs every stage on one input. It is safe to call concurrently.
func buildOne(in input, s *schema.Schema, opts build.Options, env string) outcome {
	opts.Waivers = opts.Waivers.Fork() // what it uses is returned, and reduced by collect
	c := checkOne(in, s)
	out := outcome{diags: c.diags, file: c.file}
	if c.app == nil {
		out.badInput = true
		return out
	}
	res, ds := build.Build(c.doc, c.app, in.buildOptions(opts, s))
	out.diags = append(out.diags, ds...)
	if opts.Policy != nil {
		out.considered, out.appWaivers = c.app.Metadata.Name, len(c.app.Spec.Waivers) > 0
	}
	if res != nil {
		out.waived, out.documents, out.repoWaivers = res.Waived, res.Documents, res.RepoWaivers
		out.file.Guarded = opts.Policy != nil
	}
	out.badInput = slices.ContainsFunc(ds, build.IsBadInput)
	out.file.Valid = !ds.HasErrors()
	if res == nil {
		out.badInput = true
		return out
	}
	fail := func(code string, err error) outcome {
		out.diags = append(out.diags, diag.Diagnostic{Pos: c.doc.Root.Pos, End: c.doc.Root.Pos, Severity: diag.Error, Code: code, Message: err.Error(), Kind: diag.Input})
		out.badInput = true
		return out
	}
	if err := selectEnv(res, env); err != nil {
		return fail("build/env", err)
	}
	tm := team.Measure(c.doc, res)
	out.team = &tm
	b := built{in: in, name: res.App.Metadata.Name, pos: c.doc.Root.Pos, end: c.doc.Root.Pos, result: res}
	if n := c.doc.Lookup([]string{"metadata", "name"}); n != nil {
		b.pos, b.end = n.Pos, n.End
	}
	var err error
	if b.files, err = emit.Files(res); err != nil {
		return fail("internal", err)
	}
	out.built = &b
	return out
}

// built1 is one app's build, as the cache stores it: the outcome, and
// the files to write.
type built1 struct {
	File       report.File       `json:"file"`
	Diags      []diag.Wire       `json:"diags"`
	Waived     []diag.Wire       `json:"waived"`
	Documents  int               `json:"documents"`
	BadInput   bool              `json:"badInput"`
	Considered string            `json:"considered,omitempty"` // the app whose waivers the guardrails considered
	Waivers    []int             `json:"waivers"`              // repository waivers it used
	Deps       map[string]string `json:"deps"`                 // imported file → sha256, checked on a hit
	Day        string            `json:"day,omitempty"`        // the day the app's own waivers were judged on
	Built      bool              `json:"built"`                // there is a tree to write:
	Name       string            `json:"name,omitempty"`       // the app's name,
	NameAt     diag.Wire         `json:"nameAt"`               // where metadata.name is,
	Files      map[string][]byte `json:"files,omitempty"`      // and the tree
	Team       *team.App         `json:"team,omitempty"`       // what the team namespaces need of it
}

// buildApp is buildOne through the cache: keyed like checkApp, with
// --emit and --env, and the files the load read recorded and checked on
// a hit. It is safe to call concurrently.
func buildApp(eng *engine.Engine, shared []byte, in input, s *schema.Schema, opts build.Options, env string, g *guardrails) outcome {
	k := buildIn{App: newAppIn(shared, in, g), Emit: opts.Emit, Env: env, Alerting: opts.Alerting, Schema: s, Options: opts}
	r, _, err := buildStage.Do(ctxOf(in), eng, k)
	if err != nil {
		return outcome{file: report.File{Name: in.file.Name}, badInput: true,
			diags: diag.List{{Pos: in.file.Pos(0), End: in.file.Pos(0), Severity: diag.Error, Code: "internal", Message: err.Error(), Kind: diag.Internal}}}
	}
	return r.outcome(in)
}

// computeBuild runs buildOne, recording the files the load reads; cut
// reports a load cut short (a Jsonnet time-out), which no cache may keep.
func computeBuild(in input, s *schema.Schema, opts build.Options, env string) (r built1, cut bool) {
	deps := recordReads(&in)
	oc := buildOne(in, s, opts, env)
	r = built1{File: oc.file, Diags: diag.ToWire(oc.diags), Waived: diag.ToWire(oc.waived), Documents: oc.documents, BadInput: oc.badInput,
		Considered: oc.considered, Waivers: oc.repoWaivers, Deps: deps(), Team: oc.team}
	if oc.appWaivers {
		r.Day = time.Now().UTC().Format(time.DateOnly)
	}
	if b := oc.built; b != nil {
		r.Built, r.Name, r.Files = true, b.name, b.files
		r.NameAt = diag.ToWire(diag.List{{Pos: b.pos, End: b.end}})[0]
	}
	return r, interrupted(oc.diags) || slices.ContainsFunc(oc.diags, build.NamesUnknownApp)
}

// outcome turns a stored build back into in's outcome, and tells g's
// waivers what the build did with them.
func (r built1) outcome(in input) outcome {
	fs := newFiles([]input{in})
	oc := outcome{diags: diag.Resolve(r.Diags, fs.get), file: r.File, badInput: r.BadInput, waived: diag.Resolve(r.Waived, fs.get), documents: r.Documents,
		considered: r.Considered, repoWaivers: r.Waivers, team: r.Team}
	if r.Built {
		at := diag.Resolve([]diag.Wire{r.NameAt}, fs.get)[0]
		oc.built = &built{in: in, name: r.Name, pos: at.Pos, end: at.End, files: r.Files}
	}
	return oc
}

// selectEnv narrows res to the environment --env names.
func selectEnv(res *build.Result, name string) error {
	if name == "" {
		return nil
	}
	var names []string
	for _, e := range res.Envs {
		if e.Name == name {
			res.Envs = []build.Env{e}
			return nil
		}
		names = append(names, e.Name)
	}
	return fmt.Errorf("app %s has no environment %q; it has %s", res.App.Metadata.Name, name, strings.Join(names, ", "))
}

// BuildOptions say what Build builds.
type BuildOptions struct {
	Env  string          // only this environment; "" all
	Emit build.Artifacts // the outputs to build; none: emit.Default(), kiln build's default
	// Results keeps each app's build.Result (for printing one
	// environment's objects, or where a value came from); such a build
	// is not cached.
	Results bool
}

// BuildResult is what kiln build built.
type BuildResult struct {
	Result
	// Apps are the inputs, in path order.
	Apps []BuiltApp
	// Teams are the files of the team namespaces (<env>.yaml), which
	// kiln build writes in DIR/TeamDir; nil when they are no output.
	Teams map[string][]byte
}

// BuiltApp is one input's build.
type BuiltApp struct {
	Definition string // the definition's name, as given or found
	Dockerfile string // the Dockerfile beside it, "" when none
	// Built says there is a tree to write: Name is the app's name,
	// NamePos and NameEnd where metadata.name is written, Files the tree
	// by relative path.
	Built            bool
	Name             string
	NamePos, NameEnd source.Pos
	Files            map[string][]byte
	// Result is the whole build, with BuildOptions.Results.
	Result *build.Result
}

// Build compiles the apps under paths (definitions, directories, or "-"
// for Options.Stdin) into their outputs, with strict validation and,
// unless the workspace has NoPolicy, the guardrails. It writes nothing.
func (w *Workspace) Build(ctx context.Context, paths []string, o BuildOptions) (*BuildResult, error) {
	t, err := w.tools(false)
	if err != nil {
		return nil, err
	}
	s, validator, g := t.schema, t.validator, t.g
	inputs, err := gather(w.opts.Stdin, w.opts.StdinName, paths)
	if err != nil {
		return nil, err
	}
	if o.Emit == (build.Artifacts{}) {
		o.Emit = emit.Default()
	}
	// Without guardrails the configuration is read for its kubeVersions
	// alone; a mistake in it is still one (its versions would be lost).
	if _, err := w.Config(); err != nil {
		return nil, err
	}
	opts := build.Options{Validator: validator, Emit: o.Emit, KubeVersions: w.kubeVersions()}
	if g != nil {
		g.apply(&opts)
	} else if cfg, _ := w.config(); cfg != nil {
		// Without guardrails the configuration still names the alerts
		// output's Secret; its mistakes are check's to report.
		opts.Alerting = cfg.Alerting
	}
	setEval(inputs, w.eval())
	eng := w.opts.Cache
	hits0, misses0 := eng.Stats()
	// Each outcome lands at its input's index, so reports and files come
	// out in path order whatever the scheduling.
	outcomes := make([]outcome, len(inputs))
	forEach(len(inputs), w.opts.Jobs, func(i int) {
		in := inputs[i]
		in.ctx = ctx
		opts := opts
		opts.Context = ctx
		opts.Dockerfile = in.dockerfile
		if o.Results {
			outcomes[i] = buildOne(in, s, opts, o.Env)
			return
		}
		outcomes[i] = buildApp(eng, w.sharedKey(), in, s, opts, o.Env, g)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := &config.Config{}
	if g != nil {
		cfg = g.cfg
	} else if c, err := w.Config(); err == nil {
		cfg = c
	}
	emitTeams := o.Emit.Namespaces || teamsEmitted(cfg, paths)
	tr, err := teamPass(cfg, g, outcomes, inputs, emitTeams, teamsJudged(cfg, paths), emitTeams, validator)
	if err != nil {
		return nil, err
	}
	r := &BuildResult{Result: collect(outcomes, g), Teams: tr.files}
	r.Diagnostics = append(r.Diagnostics, tr.diags...)
	r.Waived = append(r.Waived, tr.waived...)
	for i, oc := range outcomes {
		a := BuiltApp{Definition: inputs[i].file.Name}
		if df := inputs[i].dockerfile; df != nil {
			a.Dockerfile = df.Name
		}
		if b := oc.built; b != nil {
			a.Built, a.Name, a.NamePos, a.NameEnd, a.Files, a.Result = true, b.name, b.pos, b.end, b.files, b.result
		}
		r.Apps = append(r.Apps, a)
	}
	hits, misses := eng.Stats()
	r.Hits, r.Misses = hits-hits0, misses-misses0
	return r, nil
}
