// Package apiversions is kiln's table of the Kubernetes API versions that
// are deprecated or removed: for each apiVersion and kind, the release
// that deprecated it, the release that stopped serving it, and what to
// write instead. It is what Pluto and kubent know, kept offline and
// checked against the schema packs kiln embeds (schemas/kube): a kind a
// pack serves is never reported removed for that version, and a kind that
// disappears between two packs is in the table. The validate stage names
// a removal instead of an unknown kind, and the removed-api and
// deprecated-api guardrails read the table as data.kiln.apis.
package apiversions

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// An API is one apiVersion of one kind whose end Kubernetes announced.
type API struct {
	APIVersion, Kind string
	// Introduced is the release that first served it, when that is one
	// of the releases kiln has schemas for; "" for an older one.
	Introduced string
	// Deprecated is the release that deprecated it ("1.21"); "" for an
	// alpha version, which is removed without notice.
	Deprecated string
	// Removed is the release that no longer serves it ("1.25"); "" while
	// every release still does.
	Removed string
	// Replacement is the apiVersion to write instead ("policy/v1"), with
	// ReplacementKind when the kind changes too; both "" when nothing
	// replaces it, and Note says what to do.
	Replacement, ReplacementKind string
	Note                         string
}

// table is Kubernetes' deprecated API migration guide
// (kubernetes.io/docs/reference/using-api/deprecation-guide), extended
// with the versions the embedded schema packs show disappearing.
var table []API

func init() {
	add := func(deprecated, removed, replacement string, apiVersions []string, kinds ...string) {
		for _, a := range apiVersions {
			for _, k := range kinds {
				table = append(table, API{APIVersion: a, Kind: k, Deprecated: deprecated, Removed: removed, Replacement: replacement})
			}
		}
	}
	introduced := func(release, apiVersion string, kinds ...string) {
		for i := range table {
			if table[i].APIVersion == apiVersion && slices.Contains(kinds, table[i].Kind) {
				table[i].Introduced = release
			}
		}
	}
	workloads := []string{"Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"}
	// 1.16
	add("1.9", "1.16", "apps/v1", []string{"extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"}, workloads...)
	add("1.9", "1.16", "networking.k8s.io/v1", []string{"extensions/v1beta1"}, "NetworkPolicy")
	// 1.22
	add("1.16", "1.22", "admissionregistration.k8s.io/v1", []string{"admissionregistration.k8s.io/v1beta1"}, "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
	add("1.16", "1.22", "apiextensions.k8s.io/v1", []string{"apiextensions.k8s.io/v1beta1"}, "CustomResourceDefinition")
	add("1.19", "1.22", "apiregistration.k8s.io/v1", []string{"apiregistration.k8s.io/v1beta1"}, "APIService")
	add("1.19", "1.22", "authentication.k8s.io/v1", []string{"authentication.k8s.io/v1beta1"}, "TokenReview")
	add("1.19", "1.22", "authorization.k8s.io/v1", []string{"authorization.k8s.io/v1beta1"}, "SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")
	add("1.19", "1.22", "certificates.k8s.io/v1", []string{"certificates.k8s.io/v1beta1"}, "CertificateSigningRequest")
	add("1.19", "1.22", "coordination.k8s.io/v1", []string{"coordination.k8s.io/v1beta1"}, "Lease")
	add("1.14", "1.22", "networking.k8s.io/v1", []string{"extensions/v1beta1"}, "Ingress")
	add("1.19", "1.22", "networking.k8s.io/v1", []string{"networking.k8s.io/v1beta1"}, "Ingress", "IngressClass")
	add("1.17", "1.22", "rbac.authorization.k8s.io/v1", []string{"rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"}, "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
	add("1.14", "1.22", "scheduling.k8s.io/v1", []string{"scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"}, "PriorityClass")
	add("1.19", "1.22", "storage.k8s.io/v1", []string{"storage.k8s.io/v1beta1"}, "CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")
	// 1.25
	add("1.21", "1.25", "batch/v1", []string{"batch/v1beta1"}, "CronJob")
	add("1.21", "1.25", "discovery.k8s.io/v1", []string{"discovery.k8s.io/v1beta1"}, "EndpointSlice")
	add("1.19", "1.25", "events.k8s.io/v1", []string{"events.k8s.io/v1beta1"}, "Event")
	add("1.22", "1.25", "autoscaling/v2", []string{"autoscaling/v2beta1"}, "HorizontalPodAutoscaler")
	add("1.21", "1.25", "policy/v1", []string{"policy/v1beta1"}, "PodDisruptionBudget")
	add("1.22", "1.25", "node.k8s.io/v1", []string{"node.k8s.io/v1beta1"}, "RuntimeClass")
	// 1.26
	add("1.23", "1.26", "autoscaling/v2", []string{"autoscaling/v2beta2"}, "HorizontalPodAutoscaler")
	add("1.23", "1.26", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta1"}, "FlowSchema", "PriorityLevelConfiguration")
	// 1.27
	add("1.24", "1.27", "storage.k8s.io/v1", []string{"storage.k8s.io/v1beta1"}, "CSIStorageCapacity")
	// 1.29 and 1.32
	add("1.26", "1.29", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta2"}, "FlowSchema", "PriorityLevelConfiguration")
	add("1.29", "1.32", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta3"}, "FlowSchema", "PriorityLevelConfiguration")
	// 1.35: alpha versions, gone without a deprecation.
	add("", "1.35", "certificates.k8s.io/v1beta1", []string{"certificates.k8s.io/v1alpha1"}, "PodCertificateRequest")
	add("", "1.35", "storage.k8s.io/v1", []string{"storage.k8s.io/v1alpha1"}, "VolumeAttributesClass")
	add("", "1.35", "storagemigration.k8s.io/v1beta1", []string{"storagemigration.k8s.io/v1alpha1"}, "StorageVersionMigration")
	// 1.36
	add("", "1.36", "scheduling.k8s.io/v1beta1", []string{"scheduling.k8s.io/v1alpha1"}, "Workload")
	introduced("1.35", "scheduling.k8s.io/v1alpha1", "Workload")
	// 1.37: the betas of 1.31, deprecated three releases after they came
	// and removed three releases later, and alpha versions.
	add("1.34", "1.37", "networking.k8s.io/v1", []string{"networking.k8s.io/v1beta1"}, "IPAddress", "ServiceCIDR")
	add("1.34", "1.37", "storage.k8s.io/v1", []string{"storage.k8s.io/v1beta1"}, "VolumeAttributesClass")
	add("", "1.37", "certificates.k8s.io/v1", []string{"certificates.k8s.io/v1alpha1"}, "ClusterTrustBundle")
	add("", "1.37", "scheduling.k8s.io/v1beta1", []string{"scheduling.k8s.io/v1alpha2"}, "PodGroup", "Workload")
	introduced("1.36", "scheduling.k8s.io/v1alpha2", "PodGroup", "Workload")
	// PodSecurityPolicy is gone, with no replacement kind.
	const psa = "Pod Security Admission replaces it: label the namespace pod-security.kubernetes.io/enforce"
	table = append(table,
		API{APIVersion: "extensions/v1beta1", Kind: "PodSecurityPolicy", Deprecated: "1.11", Removed: "1.16", Note: psa},
		API{APIVersion: "policy/v1beta1", Kind: "PodSecurityPolicy", Deprecated: "1.21", Removed: "1.25", Note: psa},
		// Deprecated, still served, no removal announced.
		API{APIVersion: "v1", Kind: "Endpoints", Deprecated: "1.33", Replacement: "discovery.k8s.io/v1", ReplacementKind: "EndpointSlice"},
		API{APIVersion: "v1", Kind: "ComponentStatus", Deprecated: "1.19", Note: "read the components' own health endpoints (/livez, /readyz) instead"},
	)
	slices.SortFunc(table, func(a, b API) int { return strings.Compare(a.key(), b.key()) })
}

func (a API) key() string { return a.APIVersion + "/" + a.Kind }

// All returns the table, sorted by apiVersion and kind.
func All() []API { return slices.Clone(table) }

// Lookup returns the table's entry for apiVersion's kind.
func Lookup(apiVersion, kind string) (API, bool) {
	i, ok := slices.BinarySearchFunc(table, apiVersion+"/"+kind, func(a API, k string) int { return strings.Compare(a.key(), k) })
	if !ok {
		return API{}, false
	}
	return table[i], true
}

// RemovedIn reports whether Kubernetes version ("1.35") no longer
// serves a.
func (a API) RemovedIn(version string) bool {
	return a.Removed != "" && Compare(version, a.Removed) >= 0
}

// ServedIn reports whether Kubernetes version serves a.
func (a API) ServedIn(version string) bool {
	return (a.Introduced == "" || Compare(version, a.Introduced) >= 0) && !a.RemovedIn(version)
}

// DeprecatedIn reports whether version serves a, deprecated.
func (a API) DeprecatedIn(version string) bool {
	return a.Deprecated != "" && Compare(version, a.Deprecated) >= 0 && !a.RemovedIn(version)
}

// Advice is what to write instead: "use policy/v1", or the note.
func (a API) Advice() string {
	switch {
	case a.Replacement != "" && a.ReplacementKind != "":
		return "use " + a.Replacement + " " + a.ReplacementKind
	case a.Replacement != "":
		return "use " + a.Replacement
	}
	return a.Note
}

// Message says what version does with a: "policy/v1beta1
// PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1", or
// that it is deprecated and when it goes. "" when version serves a as it
// is.
func (a API) Message(version string) string {
	name := a.APIVersion + " " + a.Kind
	switch {
	case a.RemovedIn(version):
		return fmt.Sprintf("%s was removed in Kubernetes %s; %s", name, a.Removed, a.Advice())
	case a.DeprecatedIn(version) && a.Removed != "":
		return fmt.Sprintf("%s is deprecated since Kubernetes %s and removed in %s; %s", name, a.Deprecated, a.Removed, a.Advice())
	case a.DeprecatedIn(version):
		return fmt.Sprintf("%s is deprecated since Kubernetes %s; %s", name, a.Deprecated, a.Advice())
	}
	return ""
}

// Data is the table as the guardrails read it, data.kiln.apis:
// "apiVersion/kind" → {deprecated, removed, advice}, each version a
// minor version such as "1.25" ("" for none).
func Data() map[string]any {
	out := map[string]any{}
	for _, a := range table {
		out[a.key()] = map[string]any{"advice": a.Advice(), "deprecated": a.Deprecated, "removed": a.Removed}
	}
	return out
}

// Compare compares two Kubernetes minor versions ("1.9" < "1.25"), as
// -1, 0 or +1; a part that is no number counts as 0.
func Compare(a, b string) int {
	pa, pb := parts(a), parts(b)
	for i := range pa {
		if c := pa[i] - pb[i]; c != 0 {
			if c < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parts(v string) [2]int {
	major, minor, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	a, _ := strconv.Atoi(major)
	b, _ := strconv.Atoi(minor)
	return [2]int{a, b}
}
