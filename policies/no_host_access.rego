# METADATA
# title: Pods share no namespace with the node
# description: hostNetwork, hostPID and hostIPC let a pod see the node's network, processes and shared memory, and those of every pod on it.
# custom:
#   id: no-host-access
#   severity: error
#   remediation: Remove hostNetwork, hostPID and hostIPC (or the patch that sets them).
package kiln.rules.no_host_access

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, field]), sprintf("the pod sets %s", [field])) if {
	some w in lib.workloads
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	w.pod[field] == true
}
