# METADATA
# title: NetworkPolicies select pods
# description: A NetworkPolicy whose podSelector matches no pod template protects nothing, while it reads as if it did; it is usually a label renamed on one side only.
# custom:
#   id: dangling-network-policy
#   severity: warning
#   remediation: Make spec.podSelector match the pod template labels of the workload it protects, or lint the policy with that workload (kiln lint DIR, or --context).
package kiln.rules.dangling_network_policy

import data.kiln.lib
import rego.v1

deny contains lib.finding(np, "spec.podSelector", sprintf("NetworkPolicy %s selects no pods of the linted manifests", [np.metadata.name])) if {
	some np in input.objects
	np.kind == "NetworkPolicy"
	sel := np.spec.podSelector
	is_object(sel)
	not selects_all(sel)
	not admits_caller(np)
	not lib.selects_pods(np, sel)
}

# A policy kiln emits with a caller, to admit it at a callee (dependsOn),
# selects the callee's pods, which the caller's manifests do not hold; the
# annotation names the caller.
admits_caller(np) if np.metadata.annotations["kiln.dev/admits-caller"]

# An empty podSelector selects every pod of the namespace, those to come
# included: it never dangles.
selects_all(sel) if {
	count(object.get(sel, "matchLabels", {})) == 0
	count(object.get(sel, "matchExpressions", [])) == 0
}
