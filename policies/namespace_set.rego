# METADATA
# title: Plain manifests name their namespace
# description: A namespaced object without metadata.namespace lands in whatever namespace the kubeconfig of the person applying it points at, often default, where every workload of the cluster can meet it.
# custom:
#   id: namespace-set
#   severity: warning
#   remediation: Set metadata.namespace to the app's namespace (not default). kiln's own output carries none by design, the deploy tool places it, so this rule judges plain manifests only.
package kiln.rules.namespace_set

import data.kiln.lib
import rego.v1

# cluster_scoped are the built-in kinds that live in no namespace.
cluster_scoped := {
	"Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
	"CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass",
	"CSIDriver", "CSINode", "VolumeAttachment", "APIService", "ValidatingWebhookConfiguration",
	"MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
	"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "PodSecurityPolicy",
	"FlowSchema", "PriorityLevelConfiguration", "ComponentStatus", "CertificateSigningRequest",
	"ClusterTrustBundle", "DeviceClass", "IPAddress", "ServiceCIDR", "VolumeAttributesClass",
	"List",
}

deny contains lib.finding(obj, "metadata", sprintf("%s/%s names no namespace; it lands in the namespace of whoever applies it", [obj.kind, obj.metadata.name])) if {
	lib.plain
	some obj in input.objects
	namespaced(obj)
	not obj.metadata.namespace
}

# namespaced guesses, for a custom resource kiln has no CRD of, that a kind
# named Cluster... (ClusterIssuer, ClusterSecretStore) is cluster-scoped,
# as such kinds are by convention.
namespaced(obj) if {
	not obj.kind in cluster_scoped
	not startswith(obj.kind, "Cluster")
}

deny contains lib.finding(obj, "metadata.namespace", sprintf("%s/%s is in the default namespace", [obj.kind, obj.metadata.name])) if {
	lib.plain
	some obj in input.objects
	namespaced(obj)
	obj.metadata.namespace == "default"
}
