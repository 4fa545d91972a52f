package build

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/overlay"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/sourcemap"
	"github.com/kilnhq/kiln/compiler/waiver"
)

// DefaultProduction are the environments treated as production when the
// repository does not say.
var DefaultProduction = []string{"prod", "production"}

// guardrun is what the guardrails need for one app, shared by all its
// environments.
type guardrun struct {
	bundle     *guard.Bundle
	dockerfile []dockerfile.Instruction // a hand-written Dockerfile, parsed
	docker     *source.File
	waivers    *waiver.Set // the app's own
	repo       *waiver.Set // the repository's
	production []string
	app, file  string
}

// newGuard prepares the guardrails for a, or returns nil when opts runs
// none. Diagnostics are about a hand-written Dockerfile that does not
// parse.
func newGuard(doc *load.Doc, a *app.App, opts Options) (*guardrun, diag.List) {
	if opts.Policy == nil {
		return nil, nil
	}
	g := &guardrun{bundle: opts.Policy, repo: opts.Waivers, production: opts.Production,
		app: a.Metadata.Name, file: doc.File.Name}
	if g.production == nil {
		g.production = DefaultProduction
	}
	var ds diag.List
	if opts.Dockerfile != nil && a.Spec.Build == nil {
		g.dockerfile, ds = dockerfile.Parse(opts.Dockerfile)
		g.docker = opts.Dockerfile
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	var ws []waiver.Waiver
	for i, w := range a.Spec.Waivers {
		path := []string{"spec", "waivers", strconv.Itoa(i)}
		pos, end, _ := doc.Locate(path)
		expires, _ := time.Parse(time.DateOnly, w.Expires) // the schema checked the format
		ws = append(ws, waiver.Waiver{Rule: w.Rule, Reason: w.Reason, Expires: expires, Environments: w.Environments,
			Pos: pos, End: end, Where: fieldpath.String(path)})
	}
	g.waivers = waiver.NewSet(now, ws)
	g.waivers.Consider(g.app, g.file)
	g.repo.Consider(g.app, g.file)
	return g, ds
}

// known reports whether rule is one the guardrails run.
func (g *guardrun) known(rule string) bool {
	return g.bundle.Known(rule)
}

// run evaluates the guardrails on one environment's objects and returns
// their findings, positioned in the app definition (or the Dockerfile),
// judged as for Kubernetes kube, the environment's version.
// Findings a waiver exempts go to res.Waived instead.
func (g *guardrun) run(a *app.App, env, kube string, objs []compile.Object, origins *sourcemap.Map, r sourcemap.Resolver, explained map[string]bool, res *Result) (diag.List, error) {
	appData, err := plain(a)
	if err != nil {
		return nil, err
	}
	named := env
	if env == "" {
		env = overlay.Default
	}
	in := guard.Input{App: appData, Environment: env, Dockerfile: g.dockerfile, Context: guard.Context{
		Environment: env, Production: slices.Contains(g.production, env), KubernetesVersion: kube,
		App: a.Metadata.Name, Owner: a.Metadata.Owner,
	}}
	if a.Spec.SLA != nil {
		in.Context.SLA = &guard.SLA{Availability: a.Spec.SLA.Availability, MinReplicas: compile.TierFor(a.Spec.SLA.Availability).Replicas}
	}
	for _, o := range objs {
		in.Objects = append(in.Objects, o.Content)
	}
	res.Documents += len(objs)
	if g.dockerfile != nil {
		res.Documents++
	}
	found, err := g.bundle.Eval(context.Background(), in)
	if err != nil {
		return nil, err
	}
	var ds diag.List
	for _, f := range found {
		d, ok := g.position(f, origins, r, explained, a.Spec.Patches)
		if !ok {
			continue
		}
		if f.Exception != "" {
			// A conftest exception is written in a policy, outside the
			// file judged: an external suppression for SARIF.
			d.Waived = guard.ExceptionReason(f.Exception)
			res.Waived = append(res.Waived, d)
			continue
		}
		if reason, inSource, ok := g.waive(env, d, res); ok {
			d.Waived, d.WaivedInSource = reason, inSource
			res.Waived = append(res.Waived, d)
			continue
		}
		if named != "" {
			// merge keeps it when only some of the environments have the
			// finding. (A waived finding is not merged, and names none.)
			d.Environments = []string{named}
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// position places a finding: at the Dockerfile's line, at the app field it
// names, or at the app field the object's field came from: when that is a
// patch, at the line of the patch that wrote the field. A finding on a
// field an earlier stage already reported an error at is dropped.
func (g *guardrun) position(f guard.Finding, origins *sourcemap.Map, r sourcemap.Resolver, explained map[string]bool, patches []app.Patch) (diag.Diagnostic, bool) {
	d := diag.Diagnostic{Severity: f.Severity, Code: f.Rule.ID, Message: f.About(), Object: f.ObjectName(), ObjectPath: f.Path,
		Kind: diag.Finding, Related: g.bundle.Related(f.Rule)}
	if f.DockerfileLine > 0 && g.docker != nil {
		d.Pos, d.End = lineSpan(g.docker, f.DockerfileLine)
		return d, true
	}
	path := f.AppPath
	if path == nil {
		path = originOf(origins, sourcemap.ObjectKey(f.Kind, f.Name), f.Path)
	}
	if explained[strings.Join(path, "\x00")] {
		return d, false
	}
	loc := r.Locate(path)
	if line := patchLine(patches, path, f.Path); line > 0 && f.AppPath == nil {
		if pos, end, ok := r.Doc.LocateLine(loc.Path, line); ok {
			loc.Pos, loc.End = pos, end
		}
	}
	d.Pos, d.End, d.Path = loc.Pos, loc.End, fieldpath.String(loc.Path)
	return d, true
}

// waive returns the reason of the waiver that exempts d, and whether it
// is the app's own (spec.waivers) rather than the repository's.
func (g *guardrun) waive(env string, d diag.Diagnostic, res *Result) (string, bool, bool) {
	if reason, ok := g.waivers.Waive(g.app, g.file, env, d); ok {
		return reason, true, true
	}
	reason, i, ok := g.repo.WaiveIndex(g.app, g.file, env, d)
	if ok && !slices.Contains(res.RepoWaivers, i) {
		res.RepoWaivers = append(res.RepoWaivers, i)
	}
	return reason, false, ok
}

// lineSpan returns the start and end of line n's text, without the
// trailing blanks and line continuation.
// n is counted as BuildKit counts lines.
func lineSpan(f *source.File, n int) (source.Pos, source.Pos) {
	pos := f.PosIn(source.Dockerfile, n, 1)
	end := f.PosIn(source.Dockerfile, n, math.MaxInt)
	text := bytes.TrimRight(f.Content[pos.Offset:end.Offset], " \t\r\\")
	return pos, f.Pos(pos.Offset + len(text))
}

// plain returns v as the plain data a policy sees.
func plain(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}
