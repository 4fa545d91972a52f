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
# checked to be an object first. kiln gives them as data.kiln.workloads
# (compiler/guard's workloadsValue); they are computed here when it gives
# none (opa test, conftest rules).
workloads := data.kiln.workloads

workloads := rego_workloads if not data.kiln.workloads

rego_workloads contains {
	"object": obj, "pod": template.spec, "podPath": w.podPath,
	"labels": object.get(template, ["metadata", "labels"], {}), "labelsPath": w.labelsPath,
} if {
	some obj in input.objects
	some w in workload_kinds[obj.kind]
	in_group(obj, w)
	template := object.get(obj, w.template, null)
	is_object(template.spec)
}

# in_group holds when w is obj's entry in workload_kinds: the one of obj's
# apiVersion, or, when its kind has none, the one that names no apiVersion
# (a repository's example.com/v1 Job is not judged as a batch Job).
in_group(obj, w) if obj.apiVersion == w.apiVersion

in_group(obj, w) if {
	not w.apiVersion
	not has_own_entry(obj)
}

has_own_entry(obj) if {
	some w in workload_kinds[obj.kind]
	w.apiVersion == obj.apiVersion
}

# containers are every container (and init container) of every workload,
# with its path, and the pod spec that holds it. A container without a
# name (Knative's may have none) is called by its place, containers[0],
# so that messages that name it still say something. kiln gives them as
# data.kiln.containers (compiler/guard's containersValue), or false for
# input it leaves to this definition.
containers := data.kiln.containers if data.kiln.containers

containers := rego_containers if not data.kiln.containers

rego_containers contains {"object": w.object, "pod": w.pod, "container": object.union({"name": sprintf("%s[%d]", [field, i])}, c), "path": sprintf("%s.%s[%d]", [w.podPath, field, i])} if {
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
finding(obj, path, msg) := object.union(
	{"kind": obj.kind, "name": obj.metadata.name, "path": path, "msg": msg},
	{k: ns | k := "namespace"; ns := obj.metadata.namespace}, # when it has one: the same name may stand in several
)

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
	binds_in(b, role)
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

# binds_in holds when binding b can grant role: a ClusterRole has no
# namespace, and a Role is granted only in its own namespace.
binds_in(_, role) if role.kind == "ClusterRole"

binds_in(b, role) if {
	role.kind == "Role"
	same_namespace(b, role)
}

# inventory holds every object judged together with input.objects, by kind
# and name: inventory.NetworkPolicy.web is the list of NetworkPolicies
# called web (several when namespaces share a name). In kiln lint it is
# every document of the run (each file linted, and --context); for an app,
# the objects of the environment. A rule judges input.objects and looks up
# what they refer to with the helpers below (named, pods_selected,
# selecting, scalers), so that an object in a sibling file counts.
inventory := data.kiln.inventory

inventory := own if not data.kiln.inventory

# own are input.objects, by kind and name: data.kiln.own, which kiln
# builds as it converts the objects (compiler/guard's ownValue), or
# computed here when kiln gives none (a Rego unit test, a conftest rule).
own := data.kiln.own

own := {kind: by_name(kind) | some o in input.objects; kind := o.kind} if not data.kiln.own

by_name(kind) := {n: [o | some o in input.objects; o.kind == kind; object.get(o, ["metadata", "name"], "") == n] |
	some o in input.objects
	o.kind == kind
	n := object.get(o, ["metadata", "name"], "")
}

# view is what the inventory holds of a kind and name for input.objects: an
# object of the same kind and name in another file is another rendering of
# one of input's own (the same app for another environment, in a directory
# of rendered manifests), not applied with it, so input's own stand for it.
view(kind, name, objs) := own[kind][name]

view(kind, name, objs) := objs if not own[kind][name]

# in_view holds for an object of the inventory that view keeps.
in_view(o) if not shadowed(o)

shadowed(o) if {
	mine := own[o.kind][object.get(o, ["metadata", "name"], "")]
	not o in mine
}

# inventory_of are the inventory's objects of a kind. It lists them all:
# to find what a selector selects or a workload's autoscaler, the helpers
# below look them up in the index instead.
inventory_of(kind) := [o | some name, objs in object.get(inventory, kind, {}); some o in view(kind, name, objs)]

# index is the inventory by what rules look objects up by (see
# compiler/guard's indexValue, which kiln gives as data.kiln.index): pods
# by label, selectors by the labels they ask, autoscalers by target. It is
# computed here when kiln gives none, as in a Rego unit test.
index := data.kiln.index

index := {
	"pods": {k: {v: [o | some o in all_pods; pod_labels(o)[k] == v] | some p in all_pods; v := pod_labels(p)[k]} | some p in all_pods; some k, _ in pod_labels(p)},
	"all_pods": all_pods,
	"selectors": {kind: {
		"labels": {k: {v: [o | some o in sels; selector_labels(o)[k] == v] | some s in sels; v := selector_labels(s)[k]} | some s in sels; some k, _ in selector_labels(s)},
		"open": [o | some o in sels; count(selector_labels(o)) == 0],
	} |
		some kind in {"NetworkPolicy", "PodDisruptionBudget", "Service"}
		sels := [o | some objs in object.get(inventory, kind, {}); some o in objs; has_selector(o)]
	},
	"scalers": {k: {n: [h | some h in hpas; h.spec.scaleTargetRef.kind == k; h.spec.scaleTargetRef.name == n] | some h2 in hpas; h2.spec.scaleTargetRef.kind == k; n := h2.spec.scaleTargetRef.name} | some h1 in hpas; k := h1.spec.scaleTargetRef.kind},
} if {
	not data.kiln.index
	hpas := [h | some objs in object.get(inventory, "HorizontalPodAutoscaler", {}); some h in objs]
}

all_pods := [o | some kind, _ in workload_kinds; some objs in object.get(inventory, kind, {}); some o in objs; runs_pods(o)]

# runs_pods holds for an object of one of workload_kinds, in its API group.
runs_pods(o) if {
	some w in workload_kinds[o.kind]
	in_group(o, w)
}

has_selector(o) if o.kind != "Service"

has_selector(o) if {
	o.kind == "Service"
	is_object(o.spec.selector)
}

selector_labels(o) := object.get(o, ["spec", "podSelector", "matchLabels"], {}) if o.kind == "NetworkPolicy"

selector_labels(o) := object.get(o, ["spec", "selector", "matchLabels"], {}) if o.kind == "PodDisruptionBudget"

selector_labels(o) := object.get(o, ["spec", "selector"], {}) if o.kind == "Service"

# selecting are the inventory's objects of kind (NetworkPolicy,
# PodDisruptionBudget, Service) whose selector may select pods labelled
# labels, in obj's namespace: a superset the rule checks in full.
selecting(kind, labels, obj) := {s |
	some k, v in labels
	some s in index.selectors[kind].labels[k][v]
	in_view(s)
	same_namespace(s, obj)
} | {s |
	some s in index.selectors[kind].open
	in_view(s)
	same_namespace(s, obj)
}

# pods_selected are the inventory's objects running pods that selector (a
# label selector) selects, in obj's namespace.
pods_selected(obj, selector) := {o |
	some o in candidates(selector)
	in_view(o)
	same_namespace(obj, o)
	selects(selector, pod_labels(o))
}

# candidates are the pods that may match a selector: those with the label
# of its matchLabels that the fewest pods have.
candidates(selector) := object.get(index, ["pods", m[1], m[2]], []) if {
	sizes := [[count(object.get(index, ["pods", k, v], [])), k, v] | some k, v in object.get(selector, "matchLabels", {}); is_string(v)]
	count(sizes) > 0
	m := min(sizes)
}

candidates(selector) := index.all_pods if {
	count([v | some v in object.get(selector, "matchLabels", {}); is_string(v)]) == 0
}

# scalers are the autoscalers of the inventory that scale o.
scalers(o) := [h |
	some h in object.get(index, ["scalers", o.kind, object.get(o, ["metadata", "name"], "")], [])
	in_view(h)
	same_namespace(h, o)
]

# same_namespace holds when two objects may live in one namespace: both
# name the same one, or one names none (kubectl apply -n decides it).
same_namespace(a, b) if {
	object.get(a, ["metadata", "namespace"], "") == object.get(b, ["metadata", "namespace"], "")
}

same_namespace(a, b) if object.get(a, ["metadata", "namespace"], "") == ""

same_namespace(a, b) if object.get(b, ["metadata", "namespace"], "") == ""

# selects_pods holds when selector selects the pods of some workload of
# the inventory in obj's namespace. It looks them up in the index, so that
# a run of a thousand files does not scan a thousand times what it holds.
selects_pods(obj, selector) if {
	some o in candidates(selector)
	in_view(o)
	same_namespace(obj, o)
	selects(selector, pod_labels(o))
}

# selects_pods_by_labels is selects_pods for a Service's selector, a plain
# map of labels.
selects_pods_by_labels(obj, labels) if selects_pods(obj, {"matchLabels": labels})

# pod_labels are the labels of the pods an object runs, and pod_spec their
# spec, at the template path of its kind in workload_kinds.
pod_labels(o) := object.get(o, array.concat(w.template, ["metadata", "labels"]), {}) if {
	some w in workload_kinds[o.kind]
	in_group(o, w)
	is_object(object.get(o, w.template, null))
}

# A workload without a pod template (the API server refuses it; a rule may
# still meet one) runs pods labelled as its selector asks, which the server
# requires the template's labels to satisfy.
pod_labels(o) := o.spec.selector.matchLabels if {
	some w in workload_kinds[o.kind]
	in_group(o, w)
	count(w.template) > 0
	not is_object(object.get(o, w.template, null))
	is_object(o.spec.selector.matchLabels)
}

pod_spec(o) := object.get(o, array.concat(w.template, ["spec"]), null) if {
	some w in workload_kinds[o.kind]
	in_group(o, w)
}

# named are the inventory's objects of a kind called name that may share
# obj's namespace.
named(kind, name, obj) := [o | some o in view(kind, name, object.get(inventory, [kind, name], [])); same_namespace(o, obj)]

# replicas is how many pods a workload of the inventory runs at least:
# spec.replicas, or the minimum of the autoscaler that scales it, or 1.
replicas(o) := o.spec.replicas if is_number(o.spec.replicas)

replicas(o) := n if {
	not is_number(object.get(o, ["spec", "replicas"], null))
	ns := [object.get(h.spec, "minReplicas", 1) | some h in scalers(o)]
	count(ns) > 0
	n := min(ns)
}

replicas(o) := 1 if {
	not is_number(object.get(o, ["spec", "replicas"], null))
	count(scalers(o)) == 0
}

# cronjob, job and statefulset hold for an object of that built-in kind
# (batch/v1, apps/v1), not a custom resource of the same name.
cronjob(o) if {
	o.kind == "CronJob"
	o.apiVersion == "batch/v1"
}

job(o) if {
	o.kind == "Job"
	o.apiVersion == "batch/v1"
}

statefulset(o) if {
	o.kind == "StatefulSet"
	o.apiVersion == "apps/v1"
}

# kube_at_least is true when the Kubernetes version the objects are for
# (data.kiln.context.kubernetes_version, such as "1.35") is version or
# later, compared as numbers: 1.9 comes before 1.25.
kube_at_least(version) if {
	data.kiln.context.kubernetes_version != ""
	semver.compare(sprintf("%s.0", [data.kiln.context.kubernetes_version]), sprintf("%s.0", [version])) >= 0
}

# api is kiln's entry for obj's apiVersion and kind in the table of
# deprecated and removed Kubernetes APIs (data.kiln.apis, from
# compiler/apiversions): deprecated and removed releases ("" for none) and
# advice, what to write instead.
api(obj) := data.kiln.apis[sprintf("%s/%s", [obj.apiVersion, obj.kind])]

# api_finding is a finding at obj's apiVersion, naming the apiVersion too,
# so that it lands on the object written in that version when a file holds
# the same object in an old and a new one.
api_finding(obj, msg) := object.union(finding(obj, "apiVersion", msg), {"api_version": obj.apiVersion})
