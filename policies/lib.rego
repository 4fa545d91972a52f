# METADATA
# description: Helpers the built-in rules share. Not a rule.
package kiln.lib

import rego.v1

# workload_kinds are the kinds that run pods and the path to their pod
# template, by kind: the run's (kiln's list in workloads.rego and the repository's
# workloads setting, in input.context), or kiln's list alone. They are
# read from the input, not from data.kiln.context, which the run replaces
# with `with`: OPA would then evaluate every rule that depends on them
# again for each rule that asks.
workload_kinds := input.context.workloads

workload_kinds := builtin_workloads if not input.context.workloads

# workloads are the objects that run pods, with their pod spec, the path
# to it, and the labels of their pods with the path to those. A document
# that only claims a kind (a custom resource named Deployment, a
# half-written manifest) has no pod spec to judge, so every pod spec is
# checked to be an object first.
workloads contains {
	"object": obj, "pod": template.spec, "podPath": w.podPath,
	"labels": object.get(template, ["metadata", "labels"], {}), "labelsPath": w.labelsPath,
} if {
	some obj in input.objects
	some w in workload_kinds[obj.kind]
	in_group(obj, w)
	template := object.get(obj, w.template, null)
	is_object(template.spec)
}

# in_group holds when obj is of workload kind w's apiVersion, or w names
# none.
in_group(_, w) if not w.apiVersion

in_group(obj, w) if obj.apiVersion == w.apiVersion

# containers are every container (and init container) of every workload,
# with its path, and the pod spec that holds it. A container without a
# name (Knative's may have none) is called by its place, containers[0],
# so that messages that name it still say something.
containers contains {"object": w.object, "pod": w.pod, "container": object.union({"name": sprintf("%s[%d]", [field, i])}, c), "path": sprintf("%s.%s[%d]", [w.podPath, field, i])} if {
	some w in workloads
	some field in ["containers", "initContainers"]
	some i, c in object.get(w.pod, field, [])
	is_object(c)
}

# selects holds when a label selector (matchLabels and matchExpressions,
# as PodDisruptionBudgets and NetworkPolicies write them) selects pods
# with labels. An empty selector selects every pod.
selects(selector, labels) if {
	is_object(selector)
	every k, v in object.get(selector, "matchLabels", {}) {
		labels[k] == v
	}
	every e in object.get(selector, "matchExpressions", []) {
		matches(e, labels)
	}
}

matches(e, labels) if {
	e.operator == "In"
	labels[e.key] in e.values
}

matches(e, labels) if {
	e.operator == "NotIn"
	not labels[e.key] in e.values
}

matches(e, labels) if {
	e.operator == "Exists"
	labels[e.key]
}

matches(e, labels) if {
	e.operator == "DoesNotExist"
	not labels[e.key]
}

# finding builds a finding about a field of an emitted object.
finding(obj, path, msg) := {"kind": obj.kind, "name": obj.metadata.name, "path": path, "msg": msg}

# app_finding builds a finding about a field of the app definition, for
# rules that judge what the author wrote rather than what kiln emitted.
app_finding(path, msg) := {"app_path": path, "msg": msg}

# dockerfile_finding builds a finding about one Dockerfile instruction.
dockerfile_finding(instruction, msg) := {"dockerfile_line": instruction.line, "msg": msg}

# expanded are a Dockerfile instruction's arguments with the variables
# the Dockerfile gives a value expanded (EXPOSE $PORT after ARG PORT=80 is
# EXPOSE 80), as BuildKit expands them; the arguments as written for input
# that does not say.
expanded(instruction) := object.get(instruction, "expanded", instruction.value)

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
