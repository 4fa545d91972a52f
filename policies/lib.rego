# METADATA
# description: Helpers the built-in rules share. Not a rule.
package kiln.lib

import rego.v1

# workloads are the objects that run pods, with the path to their pod spec.
# A document that only claims a kind (a custom resource named Deployment,
# a half-written manifest) has no pod spec to judge, so every pod spec is
# checked to be an object first.
workloads contains {"object": obj, "pod": obj.spec.template.spec, "podPath": "spec.template.spec"} if {
	some obj in input.objects
	obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
	is_object(obj.spec.template.spec)
}

workloads contains {"object": obj, "pod": obj.spec.jobTemplate.spec.template.spec, "podPath": "spec.jobTemplate.spec.template.spec"} if {
	some obj in input.objects
	obj.kind == "CronJob"
	is_object(obj.spec.jobTemplate.spec.template.spec)
}

workloads contains {"object": obj, "pod": obj.spec, "podPath": "spec"} if {
	some obj in input.objects
	obj.kind == "Pod"
	is_object(obj.spec)
}

# containers are every container (and init container) of every workload,
# with its path.
containers contains {"object": w.object, "container": c, "path": sprintf("%s.%s[%d]", [w.podPath, field, i])} if {
	some w in workloads
	some field in ["containers", "initContainers"]
	some i, c in object.get(w.pod, field, [])
	is_object(c)
}

# finding builds a finding about a field of an emitted object.
finding(obj, path, msg) := {"kind": obj.kind, "name": obj.metadata.name, "path": path, "msg": msg}

# app_finding builds a finding about a field of the app definition, for
# rules that judge what the author wrote rather than what kiln emitted.
app_finding(path, msg) := {"app_path": path, "msg": msg}

# dockerfile_finding builds a finding about one Dockerfile instruction.
dockerfile_finding(instruction, msg) := {"dockerfile_line": instruction.line, "msg": msg}

# bytes is a memory quantity in bytes. Kubernetes takes a number (YAML's
# memory: 1073741824) or a string with a suffix (1Gi, 512M, 1e9); bytes is
# undefined for anything else, which the schema judges, so that a rule
# never fails on a quantity it cannot read.
bytes(q) := q if is_number(q)

bytes(q) := units.parse_bytes(q) if {
	is_string(q)
	regex.match(`^[0-9]+(\.[0-9]+)?([eE][0-9]+|[KMGTPE]i?|k)?$`, q)
}

# production is true in the environments the repository calls production
# (prod and production unless .kiln/config.yaml says otherwise).
production if data.kiln.context.production == true

# final_stage is the index of the Dockerfile's last stage.
final_stage := max({i.stage | some i in input.dockerfile})
