# METADATA
# title: Replicated workloads have a PodDisruptionBudget
# description: Without a disruption budget a node drain may evict every replica at once, and the promised availability with them.
# custom:
#   id: pdb-when-replicated
#   severity: warning
#   remediation: Keep the PodDisruptionBudget kiln emits for more than one replica; do not patch it away.
package kiln.rules.pdb_when_replicated

import data.kiln.lib
import rego.v1

deny contains lib.finding(obj, "spec.replicas", sprintf("%s/%s runs %d replicas without a PodDisruptionBudget", [obj.kind, obj.metadata.name, n])) if {
	some w in lib.workloads
	obj := w.object
	n := min_replicas(obj)
	n > 1
	not protected(w)
}

# min_replicas is spec.replicas, or the minimum of the autoscaler that
# scales the workload; a workload with neither runs one.
min_replicas(obj) := lib.replicas(obj)

protected(w) if {
	some pdb in lib.selecting("PodDisruptionBudget", w.labels, w.object)
	lib.selects(pdb.spec.selector, w.labels)
}
