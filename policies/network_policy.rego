# METADATA
# title: Workloads are covered by a NetworkPolicy
# description: Without a NetworkPolicy every pod in the cluster can reach the app on every port, so one compromised pod reaches them all.
# custom:
#   id: network-policy
#   severity: warning
#   remediation: Keep the NetworkPolicy kiln emits, which admits traffic to spec.port only (and none to an app with protocol none); do not patch it away.
package kiln.rules.network_policy

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, w.labelsPath, sprintf("no NetworkPolicy selects the pods of %s/%s", [w.object.kind, w.object.metadata.name])) if {
	some w in lib.workloads
	not covered(w)
}

# covered looks in the whole inventory: a NetworkPolicy in another file of
# the run protects the pods as well.
covered(w) if {
	some np in lib.selecting("NetworkPolicy", w.labels, w.object)
	lib.selects(np.spec.podSelector, w.labels)
}
