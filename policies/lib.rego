# METADATA
# description: Helpers the built-in rules share. Not a rule.
package kiln.lib

import rego.v1

# workloads are the objects that run pods, with their pod spec, the path
# to it, and the labels of their pods with the path to those. A document
# that only claims a kind (a custom resource named Deployment, a
# half-written manifest) has no pod spec to judge, so every pod spec is
# checked to be an object first.
workloads contains {
	"object": obj, "pod": obj.spec.template.spec, "podPath": "spec.template.spec",
	"labels": object.get(obj.spec.template, ["metadata", "labels"], {}), "labelsPath": "spec.template.metadata.labels",
} if {
	some obj in input.objects
	obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
	is_object(obj.spec.template.spec)
}

workloads contains {
	"object": obj, "pod": obj.spec.jobTemplate.spec.template.spec, "podPath": "spec.jobTemplate.spec.template.spec",
	"labels": object.get(obj.spec.jobTemplate.spec.template, ["metadata", "labels"], {}), "labelsPath": "spec.jobTemplate.spec.template.metadata.labels",
} if {
	some obj in input.objects
	obj.kind == "CronJob"
	is_object(obj.spec.jobTemplate.spec.template.spec)
}

workloads contains {
	"object": obj, "pod": obj.spec, "podPath": "spec",
	"labels": object.get(obj, ["metadata", "labels"], {}), "labelsPath": "metadata.labels",
} if {
	some obj in input.objects
	obj.kind == "Pod"
	is_object(obj.spec)
}

# containers are every container (and init container) of every workload,
# with its path, and the pod spec that holds it.
containers contains {"object": w.object, "pod": w.pod, "container": c, "path": sprintf("%s.%s[%d]", [w.podPath, field, i])} if {
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

# plain is true when the objects are plain manifests (kiln lint) rather
# than what kiln emitted for an app: some conventions of hand-written YAML
# (a namespace in every object) do not hold for kiln's output, which the
# deploy tool places.
plain if not input.app

# convention is the repository's value for a convention of
# .kiln/config.yaml (conventions: ownerLabel, allowedCapabilities,
# secretNames, cpuLimits), read under data.kiln.conventions, or fallback.
convention(name, _) := data.kiln.conventions[name]

convention(name, fallback) := fallback if not has_convention(name)

has_convention(name) if _ = data.kiln.conventions[name]

# image_tag is the tag of an image reference: "" when it names none
# (nginx, nginx@sha256:...), the part after the last colon of the last
# path segment otherwise (a registry's :5000 is not a tag).
image_tag(image) := tag if {
	name := split(image, "@")[0]
	segments := split(name, "/")
	last := segments[count(segments) - 1]
	contains(last, ":")
	parts := split(last, ":")
	tag := parts[count(parts) - 1]
}

image_tag(image) := "" if {
	name := split(image, "@")[0]
	segments := split(name, "/")
	not contains(segments[count(segments) - 1], ":")
}

# digest_pinned is true for an image pinned by digest (name@sha256:...).
digest_pinned(image) if contains(image, "@")

# rbac_rules are the rules of every Role and ClusterRole, with their path.
rbac_rules contains {"object": obj, "rule": r, "path": sprintf("rules[%d]", [i])} if {
	some obj in input.objects
	obj.kind in {"Role", "ClusterRole"}
	some i, r in object.get(obj, "rules", [])
	is_object(r)
}

# grants holds when an RBAC rule allows verb on resource of the core API
# group, counting wildcards.
grants(r, verb, resource) if {
	some g in object.get(r, "apiGroups", [""])
	g in {"", "*"}
	some v in object.get(r, "verbs", [])
	v in {verb, "*"}
	some res in object.get(r, "resources", [])
	res in {resource, "*"}
}

# owner_label is the label key that names an object's owner: kiln.dev/owner
# unless conventions.ownerLabel says otherwise.
owner_label := convention("ownerLabel", "kiln.dev/owner")

# owner is the team an object's labels name: under the repository's owner
# label, kiln.dev/owner (which kiln writes) or plain owner.
owner(obj) := obj.metadata.labels[owner_label]

owner(obj) := obj.metadata.labels["kiln.dev/owner"] if not obj.metadata.labels[owner_label]

owner(obj) := obj.metadata.labels.owner if {
	not obj.metadata.labels[owner_label]
	not obj.metadata.labels["kiln.dev/owner"]
}

# bound_roles are the bindings of input with the rules of the role each
# binds, when that role is among the objects or is one of Kubernetes'
# default ClusterRoles that grant the rights rules ask about (admin and
# edit read Secrets, create pods and exec into them).
bound_roles contains {"binding": b, "role": sprintf("%s/%s", [b.roleRef.kind, b.roleRef.name]), "rules": object.get(role, "rules", [])} if {
	some b in input.objects
	b.kind in {"RoleBinding", "ClusterRoleBinding"}
	some role in input.objects
	role.kind == b.roleRef.kind
	role.metadata.name == b.roleRef.name
	same_namespace(b, role)
}

bound_roles contains {"binding": b, "role": sprintf("ClusterRole/%s", [b.roleRef.name]), "rules": default_roles[b.roleRef.name]} if {
	some b in input.objects
	b.kind in {"RoleBinding", "ClusterRoleBinding"}
	b.roleRef.kind == "ClusterRole"
	default_roles[b.roleRef.name]
	not defined_role(b.roleRef.name)
}

default_roles := {name: [
	{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
	{"apiGroups": [""], "resources": ["pods", "pods/exec", "pods/attach"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
] |
	some name in {"admin", "edit"}
}

defined_role(name) if {
	some role in input.objects
	role.kind == "ClusterRole"
	role.metadata.name == name
}

# A ClusterRole has no namespace; a Role binds only in its own.
same_namespace(_, role) if role.kind == "ClusterRole"

same_namespace(b, role) if {
	role.kind == "Role"
	object.get(b.metadata, "namespace", "") == object.get(role.metadata, "namespace", "")
}
