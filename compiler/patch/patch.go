// Package patch applies the app's own patches (spec.patches), the escape
// hatch for what the app definition cannot say, to the compiled objects. It
// uses kustomize's PatchTransformer, so RFC 6902 JSON patches, strategic
// merge patches and target selectors behave exactly as in kustomize.
//
// Every field a patch adds or changes is recorded in the source map as
// coming from that patch, so a later finding about it lands on the patch.
package patch

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/apiversions"
	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// Apply applies patches in order to objs and returns the patched objects.
// A patch that cannot be applied (malformed, a path that does not exist, a
// target that matches nothing) is a finding at that patch, one for each
// operation of a JSON patch that fails, at its line; the objects are then
// returned unpatched by it.
func Apply(objs []compile.Object, patches []app.Patch, origins *sourcemap.Map) ([]compile.Object, []compile.Finding, error) {
	return ApplyExcept(objs, patches, origins, nil)
}

// ApplyExcept is Apply for a set of objects that lacks kinds other sets
// of the same app have: a patch whose target names one of the kinds in
// elsewhere and matches nothing here is passed over rather than an error.
// The kustomize base of an app with environments has no GrafanaDashboard
// (each environment's is its own), yet a patch of it applies in every
// environment.
func ApplyExcept(objs []compile.Object, patches []app.Patch, origins *sourcemap.Map, elsewhere []string) ([]compile.Object, []compile.Finding, error) {
	if len(patches) == 0 {
		return objs, nil, nil
	}
	rf := resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
	helpers := resmap.NewPluginHelpers(nil, nil, rf, nil)
	var findings []compile.Finding
	for i, p := range patches {
		next, errs := applyOne(rf, helpers, objs, p)
		if len(errs) == 1 && errs[0].none && slices.Contains(elsewhere, p.Target.Kind) {
			continue
		}
		for _, err := range errs {
			findings = append(findings, compile.Finding{Kind: diag.Input, // the patch cannot apply: the app cannot be built
				Path: patchPath(i, err.field), Line: err.line, Severity: diag.Error, Code: "build/patch", Message: err.msg,
			})
		}
		if errs != nil {
			continue
		}
		record(origins, objs, next, i)
		objs = next
	}
	return objs, findings, nil
}

type patchError struct {
	field string // "patch" or "target"
	msg   string
	line  int  // the line of the patch's text at fault, or 0
	none  bool // the target matches none of the objects
}

func patchPath(i int, field string) []string {
	return []string{"spec", "patches", strconv.Itoa(i), field}
}

// applyOne applies one patch. Turning an object into a kustomize resource
// and back costs a YAML round trip, most of a build's time with patches,
// so when the target names a plain kind and name (no regular expression,
// no label or annotation selector) only the objects it can match go
// through kustomize; the others are passed on as they are. Anything else
// takes the whole set, as kustomize itself would.
func applyOne(rf *resmap.Factory, h *resmap.PluginHelpers, objs []compile.Object, p app.Patch) ([]compile.Object, []patchError) {
	whole := func() ([]compile.Object, []patchError) {
		return memoTransform(objs, p, func() ([]compile.Object, []patchError) { return transform(rf, h, objs, p) })
	}
	idx := candidates(objs, p.Target)
	if idx == nil {
		return whole()
	}
	subset := make([]compile.Object, len(idx))
	for i, j := range idx {
		subset[i] = objs[j]
	}
	patched, err := memoTransform(subset, p, func() ([]compile.Object, []patchError) { return transform(rf, h, subset, p) })
	if err != nil || len(patched) != len(subset) { // a patch that deletes an object
		return whole()
	}
	out := append([]compile.Object(nil), objs...)
	for i, j := range idx {
		out[j] = patched[i]
	}
	return out, nil
}

// plainName is a kind or name that kustomize's selector, which reads it as
// an anchored regular expression, can only match literally.
var plainName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`)

// candidates returns the indexes of the objects t can select, or nil when
// t may select by more than a literal kind and name.
func candidates(objs []compile.Object, t app.PatchTarget) []int {
	if t.LabelSelector != "" || t.AnnotationSelector != "" || t.Kind == "" && t.Name == "" ||
		t.Kind != "" && !plainName.MatchString(t.Kind) || t.Name != "" && !plainName.MatchString(t.Name) {
		return nil
	}
	var idx []int
	for i, o := range objs {
		if (t.Kind == "" || o.Kind == t.Kind) && (t.Name == "" || o.Name == t.Name) {
			idx = append(idx, i)
		}
	}
	return idx // nil when none matches: the whole set explains why
}

func transform(rf *resmap.Factory, h *resmap.PluginHelpers, objs []compile.Object, p app.Patch) ([]compile.Object, []patchError) {
	fail := func(field, msg string) ([]compile.Object, []patchError) {
		return nil, []patchError{{field: field, msg: msg}}
	}
	m := resmap.New()
	for _, o := range objs {
		r, err := rf.RF().FromMap(o.Content)
		if err != nil {
			return fail("patch", err.Error())
		}
		if err := m.Append(r); err != nil {
			return fail("patch", err.Error())
		}
	}
	sel := selector(p.Target)
	matched, err := m.Select(sel)
	if err != nil {
		return fail("target", "invalid target: "+clean(err))
	} else if len(matched) == 0 {
		return nil, []patchError{{field: "target", none: true,
			msg: fmt.Sprintf("the patch's target (%s) matches none of the objects kiln emits (%s)%s", describe(p.Target), kinds(objs), retired(p.Target))}}
	}
	before := targets(objs, matched) // kustomize may change the resources' ids
	cfg, err := yaml.Marshal(map[string]any{"patch": p.Patch, "target": sel})
	if err != nil {
		return fail("patch", err.Error())
	}
	plugin := builtins.NewPatchTransformerPlugin()
	if err := plugin.Config(h, cfg); err != nil {
		if errs := diagnose(p.Patch, before); errs != nil {
			return nil, errs
		}
		return fail("patch", configError(p.Patch, err))
	}
	if err := plugin.Transform(m); err != nil {
		if errs := diagnose(p.Patch, before); errs != nil {
			return nil, errs
		}
		return fail("patch", "the patch cannot be applied: "+clean(err))
	}
	var out []compile.Object
	for _, r := range m.Resources() {
		content, err := r.Map()
		if err != nil {
			return fail("patch", err.Error())
		}
		dropInternalAnnotations(content)
		out = append(out, compile.Object{APIVersion: r.GetApiVersion(), Kind: r.GetKind(), Name: r.GetName(), Content: content})
	}
	return out, nil
}

// targets returns the objects of objs that the target matched, as they
// were before the patch.
func targets(objs []compile.Object, matched []*resource.Resource) []compile.Object {
	keys := map[string]bool{}
	for _, r := range matched {
		keys[sourcemap.ObjectKey(r.GetKind(), r.GetName())] = true
	}
	var out []compile.Object
	for _, o := range objs {
		if keys[o.Key()] {
			out = append(out, o)
		}
	}
	return out
}

// configError explains why kustomize could not read a patch, with the
// usual cause of each failure.
func configError(text string, err error) string {
	var v any
	if yaml.Unmarshal([]byte(text), &v) != nil {
		return "the patch is not valid YAML: " + clean(err)
	}
	if m, ok := v.(map[string]any); ok {
		if _, hasKind := m["kind"]; !hasKind {
			return "a strategic merge patch is a partial object with apiVersion, kind and metadata.name, as kustomize requires; this one has no kind"
		}
	}
	return "the patch is neither a JSON patch (a list of operations) nor a strategic merge patch (a partial object): " + clean(err)
}

// dropInternalAnnotations removes the bookkeeping annotations kustomize's
// transformers leave on a resource (internal.config.kubernetes.io/...);
// kustomize build strips them too, and they are not the user's.
func dropInternalAnnotations(content map[string]any) {
	meta, _ := content["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	for k := range ann {
		if strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			delete(ann, k)
		}
	}
	if ann != nil && len(ann) == 0 {
		delete(meta, "annotations")
	}
}

func selector(t app.PatchTarget) types.Selector {
	return types.Selector{
		ResId:              resid.ResId{Gvk: resid.Gvk{Group: t.Group, Version: t.Version, Kind: t.Kind}, Name: t.Name},
		LabelSelector:      t.LabelSelector,
		AnnotationSelector: t.AnnotationSelector,
	}
}

func describe(t app.PatchTarget) string {
	var parts []string
	for _, kv := range [][2]string{{"kind", t.Kind}, {"name", t.Name}, {"group", t.Group}, {"version", t.Version},
		{"labelSelector", t.LabelSelector}, {"annotationSelector", t.AnnotationSelector}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

func kinds(objs []compile.Object) string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key())
	}
	return strings.Join(ks, ", ")
}

// kustomize wraps errors with the whole patch text and internal context;
// the user wrote the patch and sees it at the position we report.
var noise = regexp.MustCompile(`\s+(in|from) \[patch: .*$|\s*\[patch: ".*"\]`)

func clean(err error) string {
	msg := err.Error()
	msg = noise.ReplaceAllString(msg, "")
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// retired explains a target that names an API version Kubernetes
// deprecated or removed, which kiln never emits: "; policy/v1beta1
// PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1".
func retired(t app.PatchTarget) string {
	if t.Kind == "" || t.Version == "" {
		return ""
	}
	apiVersion := t.Version
	if t.Group != "" {
		apiVersion = t.Group + "/" + t.Version
	}
	a, ok := apiversions.Lookup(apiVersion, t.Kind)
	if !ok {
		return ""
	}
	if a.Removed != "" {
		return fmt.Sprintf("; %s %s was removed in Kubernetes %s; %s", apiVersion, t.Kind, a.Removed, a.Advice())
	}
	return fmt.Sprintf("; %s %s is deprecated since Kubernetes %s; %s", apiVersion, t.Kind, a.Deprecated, a.Advice())
}
