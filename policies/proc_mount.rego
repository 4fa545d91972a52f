# METADATA
# title: Containers keep /proc masked
# description: procMount Unmasked shows the container the node's /proc without the paths the runtime hides, such as /proc/kcore and /proc/sysrq-trigger; the Pod Security Standard "baseline" forbids it.
# custom:
#   id: proc-mount
#   severity: error
#   remediation: Remove securityContext.procMount, or set it to Default.
package kiln.rules.proc_mount

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.procMount"]), sprintf("container %s unmasks /proc (procMount %s)", [c.container.name, mount])) if {
	some c in lib.containers
	mount := c.container.securityContext.procMount
	mount != "Default"
}
