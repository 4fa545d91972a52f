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

# inventory holds every object judged together with input.objects, by kind
# and name: inventory.NetworkPolicy.web is the list of NetworkPolicies
# called web (several when namespaces share a name). In kiln lint it is
# every document of the run (each file linted, and --context); for an app,
# the objects of the environment. A rule judges input.objects and looks up
# what they refer to with inventory_of and named, so that an object in a
# sibling file counts.
inventory := data.kiln.inventory

inventory := own if not data.kiln.inventory

# own are input.objects, by kind and name.
own := {kind: by_name(kind) | some o in input.objects; kind := o.kind}

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

# inventory_of are the inventory's objects of a kind.
inventory_of(kind) := [o | some name, objs in object.get(inventory, kind, {}); some o in view(kind, name, objs)]

# same_namespace holds when two objects may live in one namespace: both
# name the same one, or one names none (kubectl apply -n decides it).
same_namespace(a, b) if {
	object.get(a, ["metadata", "namespace"], "") == object.get(b, ["metadata", "namespace"], "")
}

same_namespace(a, b) if object.get(a, ["metadata", "namespace"], "") == ""

same_namespace(a, b) if object.get(b, ["metadata", "namespace"], "") == ""

# selects_pods holds when selector selects the pods of some workload of
# the inventory in obj's namespace. It stops at the first, and looks only
# at the kinds that run pods, so that a run of a thousand files does not
# scan a thousand times what it holds.
selects_pods(obj, selector) if {
	some kind in pod_kinds
	some name, objs in object.get(inventory, kind, {})
	some o in view(kind, name, objs)
	same_namespace(obj, o)
	selects(selector, pod_labels(o))
}

# selects_pods_by_labels is selects_pods for a Service's selector, a plain
# map of labels.
selects_pods_by_labels(obj, labels) if selects_pods(obj, {"matchLabels": labels})

pod_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

# pod_labels are the labels of the pods an object runs.
pod_labels(o) := object.get(o, ["metadata", "labels"], {}) if o.kind == "Pod"

pod_labels(o) := object.get(o, ["spec", "template", "metadata", "labels"], {}) if {
	o.kind != "Pod"
	o.kind != "CronJob"
	is_object(o.spec.template)
}

pod_labels(o) := object.get(o, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	o.kind == "CronJob"
	is_object(o.spec.jobTemplate.spec.template)
}

# pod_spec is the pod spec an object runs.
pod_spec(o) := o.spec if o.kind == "Pod"

pod_spec(o) := o.spec.template.spec if {
	o.kind != "Pod"
	o.kind != "CronJob"
}

pod_spec(o) := o.spec.jobTemplate.spec.template.spec if o.kind == "CronJob"

# named are the inventory's objects of a kind called name that may share
# obj's namespace.
named(kind, name, obj) := [o | some o in view(kind, name, object.get(inventory, [kind, name], [])); same_namespace(o, obj)]

# replicas is how many pods a workload of the inventory runs at least:
# spec.replicas, or the minimum of the autoscaler that scales it, or 1.
replicas(o) := o.spec.replicas if is_number(o.spec.replicas)

replicas(o) := n if {
	not is_number(object.get(o, ["spec", "replicas"], null))
	ns := [object.get(h.spec, "minReplicas", 1) | some h in inventory_of("HorizontalPodAutoscaler"); scales(h, o)]
	count(ns) > 0
	n := min(ns)
}

replicas(o) := 1 if {
	not is_number(object.get(o, ["spec", "replicas"], null))
	not scaled(o)
}

scaled(o) if {
	some h in inventory_of("HorizontalPodAutoscaler")
	scales(h, o)
}

# scales holds when an autoscaler targets o.
scales(h, o) if {
	h.spec.scaleTargetRef.name == o.metadata.name
	object.get(h.spec.scaleTargetRef, "kind", o.kind) == o.kind
	same_namespace(h, o)
}
