# METADATA
# title: Containers are not privileged and cannot escalate
# description: A privileged container, or one allowed to gain privileges, has the node's full power.
# custom:
#   id: no-privileged
#   severity: error
#   remediation: Remove the patch that sets privileged or allowPrivilegeEscalation.
package kiln.rules.no_privileged

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.privileged"]), sprintf("container %s is privileged", [c.container.name])) if {
	some c in lib.containers
	c.container.securityContext.privileged == true
}

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.allowPrivilegeEscalation"]), sprintf("container %s may escalate its privileges", [c.container.name])) if {
	some c in lib.containers
	not c.container.securityContext.allowPrivilegeEscalation == false
}
