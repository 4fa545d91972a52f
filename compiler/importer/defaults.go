package importer

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// A serverDefault is a value the API server writes into an object that
// leaves the field out: an input that writes it and a kiln object that
// does not (or the other way round) mean the same. Path elements are
// field names; * is any list item or map key; POD is the pod spec of the
// object's kind.
type serverDefault struct {
	kinds []string // "" or none: every kind
	path  string
	value any
}

// serverDefaults are the defaults import ignores when it compares, from
// the Kubernetes API's defaulting functions (pkg/apis/*/v1/defaults.go).
// docs/import.md lists them.
var serverDefaults = []serverDefault{
	{[]string{"Deployment", "StatefulSet"}, "spec.replicas", int64(1)},
	{[]string{"Deployment", "StatefulSet", "DaemonSet"}, "spec.revisionHistoryLimit", int64(10)},
	{[]string{"Deployment"}, "spec.progressDeadlineSeconds", int64(600)},
	{[]string{"Deployment", "StatefulSet", "DaemonSet"}, "spec.minReadySeconds", int64(0)},
	{[]string{"Deployment"}, "spec.strategy.type", "RollingUpdate"},
	{[]string{"Deployment"}, "spec.strategy.rollingUpdate.maxSurge", "25%"},
	{[]string{"Deployment"}, "spec.strategy.rollingUpdate.maxUnavailable", "25%"},
	{[]string{"StatefulSet"}, "spec.podManagementPolicy", "OrderedReady"},
	{[]string{"StatefulSet", "DaemonSet"}, "spec.updateStrategy.type", "RollingUpdate"},
	{[]string{"StatefulSet"}, "spec.updateStrategy.rollingUpdate.partition", int64(0)},
	{[]string{"StatefulSet"}, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain"},
	{[]string{"StatefulSet"}, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", "Retain"},
	{[]string{"StatefulSet"}, "spec.volumeClaimTemplates.*.spec.volumeMode", "Filesystem"},
	{[]string{"StatefulSet"}, "spec.volumeClaimTemplates.*.apiVersion", "v1"},
	{[]string{"StatefulSet"}, "spec.volumeClaimTemplates.*.kind", "PersistentVolumeClaim"},
	{[]string{"DaemonSet"}, "spec.updateStrategy.rollingUpdate.maxUnavailable", int64(1)},
	{[]string{"DaemonSet"}, "spec.updateStrategy.rollingUpdate.maxSurge", int64(0)},
	{[]string{"Job"}, "spec.backoffLimit", int64(6)},
	{[]string{"Job"}, "spec.completions", int64(1)},
	{[]string{"Job"}, "spec.parallelism", int64(1)},
	{[]string{"Job"}, "spec.completionMode", "NonIndexed"},
	{[]string{"Job", "CronJob"}, "spec.suspend", false},
	{[]string{"CronJob"}, "spec.concurrencyPolicy", "Allow"},
	{[]string{"CronJob"}, "spec.successfulJobsHistoryLimit", int64(3)},
	{[]string{"CronJob"}, "spec.failedJobsHistoryLimit", int64(1)},
	{[]string{"CronJob"}, "spec.jobTemplate.spec.backoffLimit", int64(6)},
	{[]string{"CronJob"}, "spec.jobTemplate.spec.completions", int64(1)},
	{[]string{"CronJob"}, "spec.jobTemplate.spec.parallelism", int64(1)},
	{[]string{"CronJob"}, "spec.jobTemplate.spec.completionMode", "NonIndexed"},
	{[]string{"Deployment", "StatefulSet", "DaemonSet"}, "POD.restartPolicy", "Always"},
	{nil, "POD.dnsPolicy", "ClusterFirst"},
	{nil, "POD.schedulerName", "default-scheduler"},
	{nil, "POD.terminationGracePeriodSeconds", int64(30)},
	{nil, "POD.*.*.securityContext.privileged", false},
	{nil, "POD.*.*.terminationMessagePath", "/dev/termination-log"},
	{nil, "POD.*.*.terminationMessagePolicy", "File"},
	{nil, "POD.*.*.ports.*.protocol", "TCP"},
	{nil, "POD.*.*.env.*.valueFrom.fieldRef.apiVersion", "v1"},
	{nil, "POD.*.*.*.periodSeconds", int64(10)},
	{nil, "POD.*.*.*.timeoutSeconds", int64(1)},
	{nil, "POD.*.*.*.successThreshold", int64(1)},
	{nil, "POD.*.*.*.failureThreshold", int64(3)},
	{nil, "POD.*.*.*.initialDelaySeconds", int64(0)},
	{nil, "POD.*.*.*.httpGet.scheme", "HTTP"},
	{nil, "POD.*.*.*.grpc.service", ""},
	{nil, "POD.volumes.*.configMap.defaultMode", int64(420)},
	{nil, "POD.volumes.*.secret.defaultMode", int64(420)},
	{nil, "POD.volumes.*.projected.defaultMode", int64(420)},
	{[]string{"Service"}, "spec.type", "ClusterIP"},
	{[]string{"Service"}, "spec.sessionAffinity", "None"},
	{[]string{"Service"}, "spec.ports.*.protocol", "TCP"},
	{[]string{"Service"}, "spec.ipFamilyPolicy", "SingleStack"},
	{[]string{"Service"}, "spec.internalTrafficPolicy", "Cluster"},
	{[]string{"Service"}, "spec.externalTrafficPolicy", "Cluster"},
	{[]string{"Service"}, "spec.allocateLoadBalancerNodePorts", true},
	{[]string{"HorizontalPodAutoscaler"}, "spec.minReplicas", int64(1)},
}

// serverSet are the fields the API server writes on its own account,
// which say nothing of what an object asks for.
var serverSet = []string{"metadata.creationTimestamp", "metadata.resourceVersion", "metadata.uid", "metadata.generation",
	"metadata.managedFields", "metadata.selfLink", "status", "spec.template.metadata.creationTimestamp",
	"spec.jobTemplate.metadata.creationTimestamp", "spec.jobTemplate.spec.template.metadata.creationTimestamp",
	`metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`, `metadata.annotations["deployment.kubernetes.io/revision"]`}

// podPath is the pod spec of a kind, as path elements.
func podPath(kind string) []string {
	return append(podTemplatePath(kind), "spec")
}

// patternOf expands a serverDefault's path for kind.
func patternOf(kind, path string) []string {
	elems := strings.Split(path, ".")
	if elems[0] == "POD" {
		elems = append(podPath(kind), elems[1:]...)
	}
	return elems
}

// matches reports whether path elements match a pattern.
func matches(pattern, elems []string) bool {
	if len(pattern) != len(elems) {
		return false
	}
	for i, p := range pattern {
		if p != "*" && p != elems[i] {
			return false
		}
	}
	return true
}

// defaultAt returns the API server's default for the field at elems of
// an object of kind, if it has one.
func defaultAt(kind string, elems []string, obj map[string]any) (any, bool) {
	for _, d := range serverDefaults {
		if len(d.kinds) > 0 && !slices.Contains(d.kinds, kind) {
			continue
		}
		if matches(patternOf(kind, d.path), elems) {
			return d.value, true
		}
	}
	// imagePullPolicy: Always for an image tagged latest or not at all,
	// IfNotPresent otherwise.
	if n := len(elems); n >= 3 && elems[n-1] == "imagePullPolicy" {
		c, _ := fieldpath.Resolve(obj, elems[:n-1])
		image := strAt(asMap(c), "image")
		if image == "" {
			return nil, false
		}
		if untagged(image) {
			return "Always", true
		}
		return "IfNotPresent", true
	}
	return nil, false
}

// untagged reports whether an image reference has neither a digest nor a
// tag other than latest.
func untagged(image string) bool {
	if strings.Contains(image, "@") {
		return false
	}
	last := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(last, ":")
	return i < 0 || last[i+1:] == "latest"
}

// normalize returns a copy of obj as the API server would store it,
// without its defaults: fields equal to their default, the server's own
// fields, empty maps and lists (but emptyDir: {}), the default
// namespace, and quantities in their canonical spelling. A Service
// port's targetPort equal to its port goes too.
func normalize(obj map[string]any) map[string]any {
	return Normalize(obj)
}

// Normalize is normalize, for the end-to-end test that proves the
// defaults it leaves out are the API server's: an object the server
// stored (defaults filled in) normalizes to the object as written.
func Normalize(obj map[string]any) map[string]any {
	kind, _ := obj["kind"].(string)
	out, _ := normalizeAt(kind, obj, nil, obj).(map[string]any)
	for _, p := range serverSet {
		path, _ := fieldpath.ParsePath(p)
		deleteAt(out, path)
	}
	// The pod's serviceAccount is the deprecated name of
	// serviceAccountName, which the server copies into it.
	if pod := mapAt(out, podPath(kind)...); pod != nil && pod["serviceAccount"] != nil && pod["serviceAccount"] == pod["serviceAccountName"] {
		delete(pod, "serviceAccount")
	}
	if md := asMap(out["metadata"]); md["namespace"] == "default" {
		delete(md, "namespace")
	}
	if kind == "Service" {
		clusterAssigned(asMap(out["spec"]))
		for _, p := range listAt(out, "spec", "ports") {
			pm := asMap(p)
			if fmt.Sprint(pm["targetPort"]) == fmt.Sprint(pm["port"]) {
				delete(pm, "targetPort")
			}
		}
	}
	return out
}

// clusterAssigned deletes from a Service's spec what the cluster chose
// for it (kubectl get -o yaml shows them): its addresses and their IP
// families. They say nothing of what the Service asks for, and applied
// to another cluster a pinned address fails or collides. A headless
// Service's clusterIP None is what it asks for, and stays.
func clusterAssigned(spec map[string]any) {
	if spec == nil || spec["clusterIP"] == "None" {
		return
	}
	for _, f := range []string{"clusterIP", "clusterIPs", "ipFamilies"} {
		delete(spec, f)
	}
}

func normalizeAt(kind string, v any, elems []string, root map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			at := append(elems[:len(elems):len(elems)], k)
			n := normalizeAt(kind, e, at, root)
			if n == nil || isEmpty(n) && k != "emptyDir" {
				continue
			}
			if d, ok := defaultAt(kind, at, root); ok && sameValue(d, n) {
				continue
			}
			m[k] = n
		}
		return m
	case []any:
		l := make([]any, 0, len(x))
		for i, e := range x {
			l = append(l, normalizeAt(kind, e, append(elems[:len(elems):len(elems)], fmt.Sprint(i)), root))
		}
		return l
	}
	if n := len(elems); n >= 2 && (elems[n-2] == "requests" || elems[n-2] == "limits") {
		if q, err := resource.ParseQuantity(fmt.Sprint(v)); err == nil {
			return q.String()
		}
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// sameValue compares a default with a value, numbers by value.
func sameValue(a, b any) bool {
	if isEmpty(a) {
		return isEmpty(b)
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// deleteAt deletes the field at path, if it is there.
func deleteAt(v any, path fieldpath.Path) {
	if len(path) == 0 {
		return
	}
	parent, _, err := path[:len(path)-1].Resolve(v)
	if err != nil {
		return
	}
	if m, ok := parent.(map[string]any); ok {
		delete(m, path[len(path)-1].Field)
	}
}

// wildcard turns a path's list steps into * for matching serverDefaults.
func wildcard(p fieldpath.Path) []string {
	out := make([]string, len(p))
	for i, s := range p {
		if s.Field != "" {
			out[i] = s.Field
		} else {
			out[i] = "*"
		}
	}
	return out
}
