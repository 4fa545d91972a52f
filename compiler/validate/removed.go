package validate

import "fmt"

// A Removal is an API version of a built-in kind that Kubernetes no
// longer serves: the release that removed it and the version to write
// instead ("" when the kind is gone altogether).
type Removal struct {
	Removed     string // "1.25"
	Replacement string // "policy/v1"
	Note        string // what to do when there is no replacement
}

// removals is the one table of removed built-in API versions, by
// apiVersion/kind, from the Kubernetes deprecated API migration guide.
// An object written against one gets "removed in 1.25, use policy/v1",
// not the advice for custom resources.
var removals = map[string]Removal{}

func init() {
	add := func(removed, replacement string, apiVersions []string, kinds ...string) {
		for _, a := range apiVersions {
			for _, k := range kinds {
				removals[a+"/"+k] = Removal{Removed: removed, Replacement: replacement}
			}
		}
	}
	// 1.16
	add("1.16", "apps/v1", []string{"extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"}, "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")
	add("1.16", "networking.k8s.io/v1", []string{"extensions/v1beta1"}, "NetworkPolicy")
	// 1.22
	add("1.22", "admissionregistration.k8s.io/v1", []string{"admissionregistration.k8s.io/v1beta1"}, "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
	add("1.22", "apiextensions.k8s.io/v1", []string{"apiextensions.k8s.io/v1beta1"}, "CustomResourceDefinition")
	add("1.22", "apiregistration.k8s.io/v1", []string{"apiregistration.k8s.io/v1beta1"}, "APIService")
	add("1.22", "authentication.k8s.io/v1", []string{"authentication.k8s.io/v1beta1"}, "TokenReview")
	add("1.22", "authorization.k8s.io/v1", []string{"authorization.k8s.io/v1beta1"}, "SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")
	add("1.22", "certificates.k8s.io/v1", []string{"certificates.k8s.io/v1beta1"}, "CertificateSigningRequest")
	add("1.22", "coordination.k8s.io/v1", []string{"coordination.k8s.io/v1beta1"}, "Lease")
	add("1.22", "networking.k8s.io/v1", []string{"extensions/v1beta1", "networking.k8s.io/v1beta1"}, "Ingress")
	add("1.22", "networking.k8s.io/v1", []string{"networking.k8s.io/v1beta1"}, "IngressClass")
	add("1.22", "rbac.authorization.k8s.io/v1", []string{"rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"}, "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
	add("1.22", "scheduling.k8s.io/v1", []string{"scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"}, "PriorityClass")
	add("1.22", "storage.k8s.io/v1", []string{"storage.k8s.io/v1beta1"}, "CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")
	// 1.25
	add("1.25", "batch/v1", []string{"batch/v1beta1"}, "CronJob")
	add("1.25", "discovery.k8s.io/v1", []string{"discovery.k8s.io/v1beta1"}, "EndpointSlice")
	add("1.25", "events.k8s.io/v1", []string{"events.k8s.io/v1beta1"}, "Event")
	add("1.25", "autoscaling/v2", []string{"autoscaling/v2beta1"}, "HorizontalPodAutoscaler")
	add("1.25", "policy/v1", []string{"policy/v1beta1"}, "PodDisruptionBudget")
	add("1.25", "node.k8s.io/v1", []string{"node.k8s.io/v1beta1"}, "RuntimeClass")
	// 1.26
	add("1.26", "autoscaling/v2", []string{"autoscaling/v2beta2"}, "HorizontalPodAutoscaler")
	add("1.26", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta1"}, "FlowSchema", "PriorityLevelConfiguration")
	// 1.27
	add("1.27", "storage.k8s.io/v1", []string{"storage.k8s.io/v1beta1"}, "CSIStorageCapacity")
	// 1.29 and 1.32
	add("1.29", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta2"}, "FlowSchema", "PriorityLevelConfiguration")
	add("1.32", "flowcontrol.apiserver.k8s.io/v1", []string{"flowcontrol.apiserver.k8s.io/v1beta3"}, "FlowSchema", "PriorityLevelConfiguration")
	// PodSecurityPolicy is gone, with no replacement kind.
	for _, a := range []string{"extensions/v1beta1", "policy/v1beta1"} {
		removals[a+"/PodSecurityPolicy"] = Removal{Removed: "1.25", Note: "Pod Security Admission replaces it: label the namespace pod-security.kubernetes.io/enforce"}
	}
}

// Removed returns the removal of apiVersion's kind, if Kubernetes once
// served it and no longer does.
func Removed(apiVersion, kind string) (Removal, bool) {
	r, ok := removals[apiVersion+"/"+kind]
	return r, ok
}

// Message says that apiVersion's kind was removed and what to write.
func (r Removal) Message(apiVersion, kind string) string {
	msg := fmt.Sprintf("%s %s was removed in Kubernetes %s", apiVersion, kind, r.Removed)
	if r.Replacement != "" {
		return msg + "; use " + r.Replacement
	}
	return msg + "; " + r.Note
}
