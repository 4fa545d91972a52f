# METADATA
# title: Containers request CPU and memory and limit memory
# description: Every container is judged, init containers and sidecars included. Without requests the scheduler packs pods blindly; without a memory limit one leaking pod can take a node's memory from its neighbours.
# custom:
#   id: resources-set
#   severity: error
#   remediation: Set spec.resources.cpu and spec.resources.memory (and each sidecar's and init container's resources); kiln sets the memory limit from them.
package kiln.rules.resources_set

import data.kiln.lib
import rego.v1

required := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

deny contains lib.finding(c.object, sprintf("%s.resources.%s.%s", [c.path, r[0], r[1]]), sprintf("container %s sets no %s %s", [c.container.name, r[1], r[0]])) if {
	some c in lib.containers
	some r in required
	object.get(c.container, ["resources", r[0], r[1]], null) == null
}
