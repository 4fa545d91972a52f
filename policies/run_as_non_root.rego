# METADATA
# title: Containers run as a non-root user
# description: A container running as root turns any escape from the application into root on the node's kernel interface.
# custom:
#   id: run-as-non-root
#   severity: error
#   remediation: Remove the patch that unsets runAsNonRoot; kiln sets it by default.
package kiln.rules.run_as_non_root

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.runAsNonRoot"]), sprintf("container %s may run as root", [c.container.name])) if {
	some c in lib.containers
	not non_root(c)
}

non_root(c) if c.container.securityContext.runAsNonRoot == true

non_root(c) if {
	not c.container.securityContext.runAsNonRoot == false
	c.pod.securityContext.runAsNonRoot == true
}
