package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// explainOrigin prints, per environment, where the value of KIND.FIELD
// comes from in the definition. FIELD is a path in kiln's one grammar
// (compiler/fieldpath): metadata.labels["app.kubernetes.io/name"],
// spec.template.spec.containers[name=web].image. Exit 0 when some
// environment has the field or says what owns it, 2 when none does or
// FIELD is not a path.
func explainOrigin(env *Env, r *build.Result, what string) int {
	kind, field, ok := strings.Cut(what, ".")
	if !ok || kind == "" || field == "" {
		fmt.Fprintf(env.Stderr, "kiln build: --explain-origin wants KIND.FIELD, e.g. Deployment.spec.replicas or Deployment.metadata.labels[\"app.kubernetes.io/name\"]\n")
		return ExitBadInput
	}
	path, err := fieldpath.ParsePath(field)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln build: --explain-origin %s: %v\n", what, err)
		return ExitBadInput
	}
	found := false
	for _, e := range r.Envs {
		lines, ok := originLines(e, kind, path)
		for _, l := range lines {
			fmt.Fprintf(env.Stdout, "%s: %s\n", e.Name, l)
		}
		found = found || ok
	}
	if !found {
		return ExitBadInput
	}
	return ExitClean
}

// originLines answers for one environment, and reports whether it has the
// field (or says what owns it). A map or a list is followed by the
// fields inside it that came from elsewhere: a patch's annotation among
// kiln's own.
func originLines(e build.Env, kind string, path fieldpath.Path) ([]string, bool) {
	i := slices.IndexFunc(e.Objects, func(o compile.Object) bool { return o.Kind == kind })
	if i < 0 {
		return []string{fmt.Sprintf("no %s in this environment", kind)}, false
	}
	obj := e.Objects[i]
	v, elems, err := path.Resolve(obj.Content)
	if err != nil {
		return absent(e, obj, path, err)
	}
	field := fieldpath.String(elems)
	switch v.(type) {
	case map[string]any, []any:
		lines := []string{obj.Key() + " " + origin(e, obj, field, v, true)}
		own, _ := e.Origins.Origin(obj.Key(), field)
		for _, f := range e.Origins.Inside(obj.Key(), field) {
			inner, ok := sourcemap.Lookup(obj.Content, f)
			if ok && !slices.Equal(e.Origins.Fields(obj.Key())[f], own) {
				lines = append(lines, "  "+origin(e, obj, f, inner, true))
			}
		}
		return lines, true
	}
	return []string{obj.Key() + " " + origin(e, obj, field, v, false)}, true
}

// origin says where field's value v comes from: the definition's field
// (or, for a default, the nearest one written), or kiln itself, which is
// also what a field is whose only origin is a whole section (spec,
// metadata) it sits in. brief shortens the value to one line.
func origin(e build.Env, obj compile.Object, field string, v any, brief bool) string {
	b, _ := json.Marshal(v)
	value := string(b)
	if r := []rune(value); brief && len(r) > 80 {
		value = string(r[:77]) + "…"
	}
	from, ok := e.Origins.Origin(obj.Key(), field)
	_, exact := e.Origins.Fields(obj.Key())[field]
	if !ok || (len(from) < 2 && !exact) {
		return fmt.Sprintf("%s = %s: set by kiln, not by a field of the definition", field, value)
	}
	loc := e.Resolver.Locate(from)
	line, col := loc.Pos.LineCol()
	how := "from"
	if loc.Default {
		how = "a default; nearest written field"
	}
	return fmt.Sprintf("%s = %s, %s %s:%d:%d (%s)", field, value, how, loc.Pos.File.Name, line, col, fieldpath.String(loc.Path))
}

// absent explains a field obj lacks: what owns it instead (an autoscaler
// owns its target's replicas), or where the path stopped, with the path
// that was meant when a key that holds dots was written unquoted.
func absent(e build.Env, obj compile.Object, path fieldpath.Path, err error) ([]string, bool) {
	if owner, ok := scaledBy(e, obj, path); ok {
		return []string{owner}, true
	}
	msg := fmt.Sprintf("%s has no field %s (%v)", obj.Key(), path, err)
	if q, ok := path.Requote(obj.Content); ok {
		msg += fmt.Sprintf("; a key that holds dots is written quoted: %s", q)
	}
	return []string{msg}, false
}

// scaledBy explains the replicas a workload leaves out because a
// HorizontalPodAutoscaler of the environment targets it: the autoscaler
// sets them between its bounds, whose origins it gives.
func scaledBy(e build.Env, obj compile.Object, path fieldpath.Path) (string, bool) {
	if path.String() != "spec.replicas" {
		return "", false
	}
	for _, hpa := range e.Objects {
		if hpa.Kind != "HorizontalPodAutoscaler" {
			continue
		}
		target, _ := sourcemap.Lookup(hpa.Content, "spec.scaleTargetRef")
		ref, _ := target.(map[string]any)
		if ref["kind"] != obj.Kind || ref["name"] != obj.Name {
			continue
		}
		bounds := []string{}
		for _, f := range []string{"spec.minReplicas", "spec.maxReplicas"} {
			if v, ok := sourcemap.Lookup(hpa.Content, f); ok {
				bounds = append(bounds, origin(e, hpa, f, v, true))
			}
		}
		return fmt.Sprintf("%s has no spec.replicas: %s owns them, between %s", obj.Key(), hpa.Key(), strings.Join(bounds, " and ")), true
	}
	return "", false
}
