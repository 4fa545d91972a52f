package kiln.lib_test

import data.kiln.lib
import data.kiln.rules.no_privileged
import rego.v1

privileged := {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}

paths(objects) := ps if {
	ps := {f.path | some f in no_privileged.deny} with input as {"objects": objects}
}

test_replication_controller_is_a_workload if {
	paths([{"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"template": {"spec": privileged}}}]) == {"spec.template.spec.containers[0].securityContext.privileged"}
}

test_builtin_custom_workloads_are_judged if {
	every api_kind in [["apps.openshift.io/v1", "DeploymentConfig"], ["argoproj.io/v1alpha1", "Rollout"], ["serving.knative.dev/v1", "Service"]] {
		paths([{"apiVersion": api_kind[0], "kind": api_kind[1], "metadata": {"name": "x"}, "spec": {"template": {"spec": privileged}}}]) == {"spec.template.spec.containers[0].securityContext.privileged"}
	}
}

test_a_kind_of_another_group_is_not_a_workload if {
	# Argo's Rollout is a workload; a Rollout of another group is not.
	count(lib.workloads) == 0 with input as {"objects": [{"apiVersion": "example.com/v1", "kind": "Rollout", "metadata": {"name": "x"}, "spec": {"template": {"spec": privileged}}}]}
}

test_a_declared_kind_is_judged_at_its_path if {
	objects := [{"apiVersion": "example.com/v1", "kind": "Job", "metadata": {"name": "x"}, "spec": {"pod": {"spec": privileged}}}]
	decl := {"Job": [{"apiVersion": "example.com/v1", "kind": "Job", "template": ["spec", "pod"], "podPath": "spec.pod.spec", "labelsPath": "spec.pod.metadata.labels"}]}
	{f.path | some f in no_privileged.deny} == {"spec.pod.spec.containers[0].securityContext.privileged"} with input as {"objects": objects, "context": {"workloads": decl}}
}

test_pod_is_its_own_template if {
	some w in lib.workloads with input as {"objects": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": privileged}]}
	w.podPath == "spec"
	w.labelsPath == "metadata.labels"
	w.labels == {"a": "b"}
}

test_an_unnamed_container_is_called_by_its_place if {
	objects := [{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "k"}, "spec": {"template": {"spec": {"containers": [{"image": "nginx:1.27", "securityContext": {"privileged": true}}]}}}}]
	{f.msg | some f in no_privileged.deny} == {"container containers[0] is privileged"} with input as {"objects": objects}
}

# A declared kind of its own group wins over kiln's entry of the same kind,
# which names no group: the object is judged at the declared path, once.
test_a_declared_kind_wins_over_kiln_s_entry_of_that_kind if {
	objects := [{"apiVersion": "example.com/v1", "kind": "Job", "metadata": {"name": "x"}, "spec": {
		"selector": {"matchLabels": {"app": "x"}},
		"pod": {"metadata": {"labels": {"app": "x", "tier": "t"}}, "spec": privileged},
	}}]
	decl := {"Job": [
		{"kind": "Job", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"},
		{"apiVersion": "example.com/v1", "kind": "Job", "template": ["spec", "pod"], "podPath": "spec.pod.spec", "labelsPath": "spec.pod.metadata.labels"},
	]}
	{f.path | some f in no_privileged.deny} == {"spec.pod.spec.containers[0].securityContext.privileged"} with input as {"objects": objects, "context": {"workloads": decl}}
	lib.pod_labels(objects[0]) == {"app": "x", "tier": "t"} with input as {"objects": objects, "context": {"workloads": decl}}
}
