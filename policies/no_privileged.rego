# METADATA
# title: Containers are not privileged
# description: A privileged container has the node's full power, over its devices, its kernel and every other container on it.
# custom:
#   id: no-privileged
#   severity: error
#   remediation: Remove securityContext.privileged (or the patch that sets it); grant the one capability the app needs instead.
package kiln.rules.no_privileged

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.privileged"]), sprintf("container %s is privileged", [c.container.name])) if {
	some c in lib.containers
	c.container.securityContext.privileged == true
}
