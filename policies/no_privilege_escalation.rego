# METADATA
# title: Containers cannot escalate their privileges
# description: Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent through setuid binaries.
# custom:
#   id: no-privilege-escalation
#   severity: error
#   remediation: "Set securityContext.allowPrivilegeEscalation: false on every container (kiln's own output does)."
package kiln.rules.no_privilege_escalation

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.allowPrivilegeEscalation"]), sprintf("container %s may escalate its privileges", [c.container.name])) if {
	some c in lib.containers
	not c.container.securityContext.allowPrivilegeEscalation == false
}
