# The kinds that run pods, with the path to their pod template, by kind
# (the rules look an object's kind up). Not a rule. kiln reads this list
# too (compiler/workload), adds the kinds of .kiln/config.yaml's workloads
# setting, and gives rules the result under input.context.workloads;
# lib.workloads falls back to this list when a run gives none (opa test).
# An entry without apiVersion matches the kind in any API group; template
# is the path to an object with the pod's metadata and spec, [] for a Pod,
# which is its own template; podPath and labelsPath are where its pod spec
# and its pods' labels are, written out so that the rules need not build
# them (compiler/workload checks they agree with template).
package kiln.lib

builtin_workloads := {
	"Pod": [{"kind": "Pod", "template": [], "podPath": "spec", "labelsPath": "metadata.labels"}],
	"Deployment": [{"kind": "Deployment", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"StatefulSet": [{"kind": "StatefulSet", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"DaemonSet": [{"kind": "DaemonSet", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"ReplicaSet": [{"kind": "ReplicaSet", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"ReplicationController": [{"kind": "ReplicationController", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"Job": [{"kind": "Job", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"CronJob": [{"kind": "CronJob", "template": ["spec", "jobTemplate", "spec", "template"], "podPath": "spec.jobTemplate.spec.template.spec", "labelsPath": "spec.jobTemplate.spec.template.metadata.labels"}],
	"DeploymentConfig": [{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"Rollout": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
	"Service": [{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "template": ["spec", "template"], "podPath": "spec.template.spec", "labelsPath": "spec.template.metadata.labels"}],
}
