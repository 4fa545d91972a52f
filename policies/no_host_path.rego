# METADATA
# title: Pods mount no path of the node
# description: "A hostPath volume gives the pod the node's files: it can read other pods' secrets or take over the node."
# custom:
#   id: no-host-path
#   severity: error
#   remediation: Use an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim instead; waive the rule for node agents that truly need the node.
package kiln.rules.no_host_path

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, sprintf("%s.volumes[%d].hostPath", [w.podPath, i]), sprintf("volume %s mounts %s of the node", [v.name, object.get(v.hostPath, "path", "a path")])) if {
	some w in lib.workloads
	some i, v in object.get(w.pod, "volumes", [])
	v.hostPath
}
