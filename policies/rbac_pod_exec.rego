# METADATA
# title: Roles do not create pods or exec into them
# description: Whoever can create pods can run any image with any service account of the namespace and so act with its rights; whoever can exec or attach into a pod runs commands as it. A binding to such a role, or to the default admin and edit ClusterRoles, is flagged too, at the role it binds.
# custom:
#   id: rbac-pod-exec
#   severity: warning
#   remediation: Let a controller (a Deployment, a Job) create the pods, and grant exec only to the people who debug, not to workloads.
package kiln.rules.rbac_pod_exec

import data.kiln.lib
import rego.v1

deny contains lib.finding(r.object, r.path, sprintf("%s/%s can %s", [r.object.kind, r.object.metadata.name, power])) if {
	some r in lib.rbac_rules
	some power, requests in powers
	some [verb, resource] in requests
	lib.grants(r.rule, verb, resource)
}

# powers are what a rule may grant, with the requests that exercise them:
# kubectl exec and attach ask for create, and over a WebSocket for get.
powers := {
	"create pods": [["create", "pods"]],
	"exec into pods": [["create", "pods/exec"], ["get", "pods/exec"]],
	"attach to pods": [["create", "pods/attach"], ["get", "pods/attach"]],
}

# The binding that hands the right out is flagged too, naming the role.
deny contains lib.finding(br.binding, "roleRef.name", sprintf("%s/%s lets its subjects %s through %s", [br.binding.kind, br.binding.metadata.name, power, br.role])) if {
	some br in lib.bound_roles
	some power, requests in powers
	some [verb, resource] in requests
	some r in br.rules
	lib.grants(r, verb, resource)
}
