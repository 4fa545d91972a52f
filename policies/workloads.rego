# The kinds that run pods, with the path to their pod template. Not a
# rule. kiln reads this list too (compiler/workload), adds the kinds of
# .kiln/config.yaml's workloads setting, and gives rules the result under
# data.kiln.context.workloads; lib.workloads falls back to this list when
# a run gives none (opa test). An entry without apiVersion matches the
# kind in any API group; template is the path to an object with the pod's
# metadata and spec, [] for a Pod, which is its own template.
package kiln.lib

builtin_workloads := [
	{"kind": "Pod", "template": []},
	{"kind": "Deployment", "template": ["spec", "template"]},
	{"kind": "StatefulSet", "template": ["spec", "template"]},
	{"kind": "DaemonSet", "template": ["spec", "template"]},
	{"kind": "ReplicaSet", "template": ["spec", "template"]},
	{"kind": "ReplicationController", "template": ["spec", "template"]},
	{"kind": "Job", "template": ["spec", "template"]},
	{"kind": "CronJob", "template": ["spec", "jobTemplate", "spec", "template"]},
	{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "template": ["spec", "template"]},
	{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "template": ["spec", "template"]},
	{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "template": ["spec", "template"]},
]
