# METADATA
# title: Containers have a read-only root filesystem
# description: A writable root filesystem lets an intruder change the container's programs; a read-only one keeps writes to declared volumes.
# custom:
#   id: read-only-root-filesystem
#   severity: warning
#   remediation: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app must write (kiln's own output does both)."
package kiln.rules.read_only_root_filesystem

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.readOnlyRootFilesystem"]), sprintf("container %s can write to its root filesystem", [c.container.name])) if {
	some c in lib.containers
	not c.container.securityContext.readOnlyRootFilesystem == true
}
