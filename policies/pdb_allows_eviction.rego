# METADATA
# title: PodDisruptionBudgets allow an eviction
# description: A disruption budget that allows no pod to be evicted (maxUnavailable 0, or minAvailable at least the replicas it selects) blocks every node drain, so cluster upgrades and node repairs hang on it.
# custom:
#   id: pdb-allows-eviction
#   severity: warning
#   remediation: Allow one pod to go (maxUnavailable 1, or minAvailable below the replicas), or run more replicas; kiln's own budget for an app always allows one.
package kiln.rules.pdb_allows_eviction

import data.kiln.lib
import rego.v1

deny contains lib.finding(pdb, "spec.maxUnavailable", sprintf("PodDisruptionBudget %s allows no pod to be evicted (maxUnavailable %v), so no node can be drained", [pdb.metadata.name, n])) if {
	some pdb in input.objects
	pdb.kind == "PodDisruptionBudget"
	n := pdb.spec.maxUnavailable
	n in {0, "0%"}
}

deny contains lib.finding(pdb, "spec.minAvailable", sprintf("PodDisruptionBudget %s keeps minAvailable %v of the %d replicas of %s/%s, so none can be evicted and no node can be drained", [pdb.metadata.name, n, lib.replicas(o), o.kind, o.metadata.name])) if {
	some pdb in input.objects
	pdb.kind == "PodDisruptionBudget"
	n := pdb.spec.minAvailable
	some o in selected(pdb)
	blocks(n, lib.replicas(o))
}

# blocks holds when minAvailable n leaves no pod of replicas to evict.
blocks(n, replicas) if {
	is_number(n)
	n >= replicas
}

blocks("100%", _)

# selected are the workloads of the inventory whose pods the budget
# selects. A budget selecting none is judged by no count.
selected(pdb) := [o |
	some o in lib.pods_selected(pdb, pdb.spec.selector)
	o.kind != "Pod"
]
