# METADATA
# title: Pods share nothing with the node
# description: hostNetwork, hostPID, hostIPC and hostPath volumes let a pod see and change the node itself.
# custom:
#   id: no-host-access
#   severity: error
#   remediation: Remove the patch that sets hostNetwork, hostPID, hostIPC or adds a hostPath volume.
package kiln.rules.no_host_access

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, field]), sprintf("the pod sets %s", [field])) if {
	some w in lib.workloads
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	w.pod[field] == true
}

deny contains lib.finding(w.object, sprintf("%s.volumes[%d].hostPath", [w.podPath, i]), sprintf("volume %s mounts a path of the node", [v.name])) if {
	some w in lib.workloads
	some i, v in w.pod.volumes
	v.hostPath
}
