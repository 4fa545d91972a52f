# METADATA
# title: Roles do not grant escalate, bind or impersonate
# description: escalate lets a subject write roles with rights it lacks, bind lets it bind any role to itself, impersonate lets it act as any user, group or service account; each is a way to every right of the cluster.
# custom:
#   id: rbac-escalate
#   severity: error
#   remediation: Remove the verb; an operator that manages RBAC should be restricted with resourceNames to the roles it manages.
package kiln.rules.rbac_escalate

import data.kiln.lib
import rego.v1

deny contains lib.finding(r.object, sprintf("%s.verbs[%d]", [r.path, i]), sprintf("%s/%s grants %s", [r.object.kind, r.object.metadata.name, verb])) if {
	some r in lib.rbac_rules
	some i, verb in object.get(r.rule, "verbs", [])
	verb in {"escalate", "bind", "impersonate"}
	count(object.get(r.rule, "resourceNames", [])) == 0
}
