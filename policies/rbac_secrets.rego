# METADATA
# title: Roles do not read Secrets
# description: get, list or watch on secrets reads every password, token and key of the namespace (or, in a ClusterRole bound cluster-wide, of the cluster), including service account tokens that carry more rights. A binding to such a role, or to the default admin and edit ClusterRoles, is flagged too, at the role it binds.
# custom:
#   id: rbac-secrets
#   severity: warning
#   remediation: Mount the one Secret the workload needs as a volume or environment variable, or restrict the rule with resourceNames.
package kiln.rules.rbac_secrets

import data.kiln.lib
import rego.v1

deny contains lib.finding(r.object, r.path, sprintf("%s/%s can %s secrets", [r.object.kind, r.object.metadata.name, verb])) if {
	some r in lib.rbac_rules
	some verb in ["get", "list", "watch"]
	lib.grants(r.rule, verb, "secrets")
	count(object.get(r.rule, "resourceNames", [])) == 0
}

# The binding that hands the right out is flagged too, naming the role.
deny contains lib.finding(br.binding, "roleRef.name", sprintf("%s/%s lets its subjects %s secrets through %s", [br.binding.kind, br.binding.metadata.name, verb, br.role])) if {
	some br in lib.bound_roles
	some verb in ["get", "list", "watch"]
	some r in br.rules
	lib.grants(r, verb, "secrets")
	count(object.get(r, "resourceNames", [])) == 0
}
