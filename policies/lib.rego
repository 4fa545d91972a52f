# METADATA
# description: Helpers the built-in rules share. Not a rule.
package kiln.lib

import rego.v1

# workloads are the objects that run pods, with the path to their pod spec.
workloads contains {"object": obj, "pod": obj.spec.template.spec, "podPath": "spec.template.spec"} if {
	some obj in input.objects
	obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
}

# containers are every container of every workload, with its path.
containers contains {"object": w.object, "container": c, "path": sprintf("%s.containers[%d]", [w.podPath, i])} if {
	some w in workloads
	some i, c in w.pod.containers
}

# finding builds a finding about a field of an emitted object.
finding(obj, path, msg) := {"kind": obj.kind, "name": obj.metadata.name, "path": path, "msg": msg}
