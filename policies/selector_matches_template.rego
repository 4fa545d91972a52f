# METADATA
# title: A workload's selector matches its own pods
# description: The API server refuses a Deployment, ReplicaSet, StatefulSet, DaemonSet or ReplicationController whose selector does not match its pod template's labels, and kiln reports that as Kubernetes would. A workload kind of another API (an OpenShift DeploymentConfig, an Argo Rollout, a kind declared under workloads in .kiln/config.yaml) is judged here instead, as a selector its pods do not satisfy leaves the controller managing none of the pods it starts.
# custom:
#   id: selector-matches-template
#   severity: error
#   remediation: Give the pod template every label the selector asks for, or ask for the labels the template has.
package kiln.rules.selector_matches_template

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, path, sprintf("%s %s selects pods labelled %s=%s, which its pod template's labels (%s) do not have", [w.object.kind, w.object.metadata.name, key, value, w.labelsPath])) if {
	some w in lib.workloads
	other_api(w.object)
	some path, wanted in selector(w.object)
	some key, value in wanted
	object.get(w.labels, key, null) != value
}

# other_api holds for a workload kind kiln knows by its API group (not one
# of Kubernetes' own, whose selectors the API server's rules check).
other_api(obj) if {
	some k in lib.workload_kinds[obj.kind]
	lib.in_group(obj, k)
	k.apiVersion
}

# selector is the labels a workload's selector asks for, by the path where
# they are written: a label selector's matchLabels, or a plain map of
# labels (a DeploymentConfig's, a ReplicationController's).
selector(obj) := {"spec.selector.matchLabels": obj.spec.selector.matchLabels} if is_object(obj.spec.selector.matchLabels)

selector(obj) := {"spec.selector": obj.spec.selector} if {
	is_object(obj.spec.selector)
	not obj.spec.selector.matchLabels
	not obj.spec.selector.matchExpressions
}
