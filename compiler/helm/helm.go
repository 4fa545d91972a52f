// Package helm is kiln's Helm output: one generic chart, embedded in kiln
// (chart/), and the values that make it render exactly the objects kiln
// renders, for teams that deploy with Helm.
//
// Values are read off the compiled objects, not recomputed from the app, so
// the chart and kiln's own manifests cannot drift apart; a test renders the
// chart with Helm's own engine and compares. Objects are named after the
// release, as Helm charts conventionally are; a release named as the app
// renders kiln's objects exactly (docs/helm.md). What Helm values cannot say,
// the app's spec.patches, is left out, and kiln warns when it does so.
package helm

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

//go:embed all:chart
var chartFS embed.FS

// ChartFiles returns the chart's files, keyed by slash-separated path
// relative to the chart directory.
func ChartFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(chartFS, "chart", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := chartFS.ReadFile(path)
		files[path[len("chart/"):]] = b
		return err
	})
	return files, err
}

// SetAppVersion sets the chart's appVersion, what helm list shows as the
// release's APP VERSION. The chart is generic, so it has none of its own:
// kiln chart --app-version writes one, as helm package --app-version does.
func SetAppVersion(files map[string][]byte, version string) error {
	if version == "" || strings.ContainsAny(version, "\n\r") || !utf8.ValidString(version) {
		return fmt.Errorf("appVersion %q is not one line of text, such as 1.4.2", version)
	}
	files["Chart.yaml"] = fmt.Appendf(files["Chart.yaml"], "appVersion: %s\n", strconv.Quote(version))
	return nil
}

// Values returns the chart values that render objs, which must be the
// objects kiln compiled for one environment (before spec.patches).
func Values(objs []compile.Object) (map[string]any, error) {
	by := map[string]map[string]any{}
	var admissions []compile.Object
	for _, o := range objs {
		if isAdmission(o) { // a policy at a callee, not the app's own
			admissions = append(admissions, o)
			continue
		}
		by[o.Kind] = o.Content
	}
	// The chart's templates/workload.yaml renders the workload, of the
	// kind compile produced.
	wl, wk, ok := compile.WorkloadIn(objs)
	if !ok {
		return nil, fmt.Errorf("no workload to read values from")
	}
	w := wl.Kind
	get := func(kind, path string) any {
		v, _ := fieldpath.Resolve(by[kind], fieldpath.Parse(path))
		return v
	}
	pod := wk.PodPath() + "."
	ctr := pod + "containers[0]."
	v := map[string]any{
		"name":                      get(w, "metadata.name"),
		"labels":                    withoutKey(get(w, "metadata.labels"), compile.LabelInstance),
		"annotations":               get(w, "metadata.annotations"),
		"image":                     get(w, ctr+"image"),
		"containerPort":             get(w, ctr+"ports[0].containerPort"),
		"portName":                  get(w, ctr+"ports[0].name"),
		"env":                       orEmptyList(get(w, ctr+"env")),
		"resources":                 get(w, ctr+"resources"),
		"livenessProbe":             get(w, ctr+"livenessProbe"),
		"readinessProbe":            get(w, ctr+"readinessProbe"),
		"securityContext":           get(w, ctr+"securityContext"),
		"podSecurityContext":        get(w, pod+"securityContext"),
		"restartPolicy":             get(w, pod+"restartPolicy"),
		"volumeMounts":              orEmptyList(get(w, ctr+"volumeMounts")),
		"workload":                  workloadValues(wl),
		"serviceClusterIP":          get("Service", "spec.clusterIP"),
		"topologySpreadConstraints": spreadValues(get(w, pod+"topologySpreadConstraints")),
		"podAnnotations":            map[string]any{},
		"serviceAccount":            map[string]any{"automountServiceAccountToken": get("ServiceAccount", "automountServiceAccountToken")},
		"replicas":                  get(w, "spec.replicas"),
		"podDisruptionBudget":       nil,
		"autoscaling":               nil,
		"ingress":                   nil,
		"prometheusRule":            nil,
		"serviceMonitor":            nil,
		"files":                     nil,
		"externalSecrets":           map[string]any{},
		"namespace":                 get(w, "metadata.namespace"),
		"networkPolicyEgress":       get("NetworkPolicy", "spec.egress"),
		"admissions":                admissionValues(admissions),
	}
	if v["replicas"] == nil {
		v["replicas"] = get("HorizontalPodAutoscaler", "spec.minReplicas")
	}
	podValues(v, get, w, pod)
	if pdb, ok := by["PodDisruptionBudget"]; ok {
		spec := maps.Clone(pdb["spec"].(map[string]any))
		delete(spec, "selector")
		v["podDisruptionBudget"] = spec
	}
	if _, ok := by["HorizontalPodAutoscaler"]; ok {
		v["autoscaling"] = map[string]any{
			"minReplicas":                    get("HorizontalPodAutoscaler", "spec.minReplicas"),
			"maxReplicas":                    get("HorizontalPodAutoscaler", "spec.maxReplicas"),
			"targetCPUUtilizationPercentage": get("HorizontalPodAutoscaler", "spec.metrics[0].resource.target.averageUtilization"),
		}
	}
	if _, ok := by["Ingress"]; ok {
		v["ingress"] = ingressValues(get, v["annotations"])
	}
	v["files"] = filesValues(by["ConfigMap"], get(w, ctr+"volumeMounts"))
	v["externalSecrets"] = externalSecretsValues(objs)
	if _, ok := by["PrometheusRule"]; ok {
		v["prometheusRule"] = map[string]any{"labels": monitoringLabels(by, w, "PrometheusRule"), "groups": get("PrometheusRule", "spec.groups")}
	}
	if _, ok := by["ServiceMonitor"]; ok {
		v["serviceMonitor"] = map[string]any{"labels": monitoringLabels(by, w, "ServiceMonitor"), "endpoints": get("ServiceMonitor", "spec.endpoints")}
	}
	return v, nil
}

// workloadValues are the workload's kind and its own settings: its spec
// without what the chart writes itself (the pod template, the selector,
// the replicas, a StatefulSet's serviceName, a CronJob's Job), and a
// CronJob's Job spec without its pod template.
func workloadValues(w compile.Object) map[string]any {
	spec, _ := w.Content["spec"].(map[string]any)
	own := maps.Clone(spec)
	for _, k := range []string{"template", "selector", "replicas", "serviceName", "jobTemplate"} {
		delete(own, k)
	}
	v := map[string]any{"kind": w.Kind, "spec": own, "jobSpec": nil}
	if jt, ok := spec["jobTemplate"].(map[string]any); ok {
		js, _ := jt["spec"].(map[string]any)
		js = maps.Clone(js)
		delete(js, "template")
		v["jobSpec"] = js
	}
	return v
}

// ingressValues are the Ingress's host, path and, when set, its class, its
// TLS Secret and the annotations it has beyond those of every object.
func ingressValues(get func(kind, path string) any, common any) map[string]any {
	in := map[string]any{
		"host": get("Ingress", "spec.rules[0].host"),
		"path": get("Ingress", "spec.rules[0].http.paths[0].path"),
	}
	if c := get("Ingress", "spec.ingressClassName"); c != nil {
		in["className"] = c
	}
	if s := get("Ingress", "spec.tls[0].secretName"); s != nil {
		in["tls"] = map[string]any{"secretName": s}
	}
	own := map[string]any{}
	all, _ := get("Ingress", "metadata.annotations").(map[string]any)
	shared, _ := common.(map[string]any)
	for k, a := range all {
		if _, ok := shared[k]; !ok {
			own[k] = a
		}
	}
	if len(own) > 0 {
		in["annotations"] = own
	}
	return in
}

// filesValues are the ConfigMap of spec.files, nil without one: the hash
// that ends its name (the chart names it <fullname>-<hash>), its data, and
// where each key is mounted in the container.
func filesValues(cm map[string]any, mounts any) any {
	if cm == nil {
		return nil
	}
	meta, _ := cm["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	out := map[string]any{"hash": name[strings.LastIndex(name, "-")+1:], "mounts": []any{}}
	for _, k := range []string{"data", "binaryData"} {
		if d, ok := cm[k]; ok {
			out[k] = d
		}
	}
	list, _ := mounts.([]any)
	for _, m := range list {
		if m, ok := m.(map[string]any); ok && m["name"] == "files" {
			out["mounts"] = append(out["mounts"].([]any), map[string]any{"mountPath": m["mountPath"], "subPath": m["subPath"]})
		}
	}
	return out
}

// externalSecretsValues are the specs of the ExternalSecrets, by name (the
// Secret's, which the chart keeps as it is: the env refers to it).
func externalSecretsValues(objs []compile.Object) map[string]any {
	out := map[string]any{}
	for _, o := range objs {
		if o.Kind == "ExternalSecret" {
			out[o.Name] = o.Content["spec"]
		}
	}
	return out
}

// withoutKey returns the mapping m without key; the chart sets that key
// itself (the instance label is the release's name).
func withoutKey(m any, key string) any {
	mm, ok := m.(map[string]any)
	if !ok {
		return m
	}
	out := maps.Clone(mm)
	delete(out, key)
	return out
}

// spreadValues are the topology spread constraints without their label
// selectors, which the chart writes so that each counts its release's own
// pods.
func spreadValues(v any) any {
	list, _ := v.([]any)
	out := []any{}
	for _, c := range list {
		out = append(out, withoutKey(c, "labelSelector"))
	}
	return out
}

// monitoringLabels are the labels of the SLO output's object kind beside
// those every object carries: the ones the Prometheus operator selects it by
// (sla.monitoring.labels).
func monitoringLabels(by map[string]map[string]any, workload, kind string) map[string]any {
	out := map[string]any{}
	own, _ := fieldpath.Resolve(by[workload], fieldpath.Parse("metadata.labels"))
	ownm, _ := own.(map[string]any)
	all, _ := fieldpath.Resolve(by[kind], fieldpath.Parse("metadata.labels"))
	allm, _ := all.(map[string]any)
	for k, v := range allm {
		if _, isOwn := ownm[k]; !isOwn {
			out[k] = v
		}
	}
	return out
}

func orEmptyList(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}

// Overrides returns what env changes from base, as a values file to give
// Helm after the base one (helm install -f values.yaml -f values-prod.yaml):
// changed keys, recursively through mappings; lists whole; and null for a
// key env drops, which Helm reads as "remove".
func Overrides(base, env map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		bv, inBase := base[k]
		ev := env[k]
		bm, bok := bv.(map[string]any)
		em, eok := ev.(map[string]any)
		switch {
		case inBase && bok && eok:
			if sub := Overrides(bm, em); len(sub) > 0 {
				out[k] = sub
			}
		case !inBase || !compile.SameValue(bv, ev):
			out[k] = ev
		}
	}
	for k := range base {
		if _, kept := env[k]; !kept {
			out[k] = nil
		}
	}
	return out
}

// isAdmission reports whether o is a NetworkPolicy that admits the app at
// a callee (spec.dependsOn), which compile marks.
func isAdmission(o compile.Object) bool {
	if o.Kind != "NetworkPolicy" {
		return false
	}
	md, _ := o.Content["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	_, ok := ann[compile.AnnotAdmits]
	return ok
}

// admissionValues are the policies that admit the app at its callees: for
// each, the callee, its namespace, the ports, and how the app's pods are
// found from there (the namespaces part; the chart selects the release's
// own pods).
func admissionValues(objs []compile.Object) []any {
	out := []any{}
	for _, o := range objs {
		get := func(path string) any {
			v, _ := fieldpath.Resolve(o.Content, fieldpath.Parse(path))
			return v
		}
		a := map[string]any{
			"callee":    get(`spec.podSelector.matchLabels["` + compile.LabelName + `"]`),
			"namespace": get("metadata.namespace"),
			"ports":     get("spec.ingress[0].ports"),
		}
		if ns := get("spec.ingress[0].from[0].namespaceSelector"); ns != nil {
			a["namespaceSelector"] = ns
		}
		out = append(out, a)
	}
	return out
}
