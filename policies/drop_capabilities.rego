# METADATA
# title: Containers drop all capabilities and add no dangerous ones
# description: Linux capabilities such as SYS_ADMIN or NET_ADMIN give a container powers over the node that an application never needs.
# custom:
#   id: drop-capabilities
#   severity: error
#   remediation: Keep capabilities.drop [ALL] (kiln's default) and add only what the app needs, never SYS_ADMIN, NET_ADMIN, SYS_PTRACE or SYS_MODULE.
package kiln.rules.drop_capabilities

import data.kiln.lib
import rego.v1

dangerous := {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL"}

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.capabilities.drop"]), sprintf("container %s does not drop ALL capabilities", [c.container.name])) if {
	some c in lib.containers
	not "ALL" in object.get(c.container, ["securityContext", "capabilities", "drop"], [])
}

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.capabilities.add"]), sprintf("container %s adds capability %s", [c.container.name, cap])) if {
	some c in lib.containers
	some cap in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	cap in dangerous
}
