# METADATA
# title: Memory limits are at least the requests
# description: A container whose memory limit is below its request cannot be scheduled as asked, and the API server refuses it.
# custom:
#   id: memory-limit-covers-request
#   severity: error
#   remediation: "Raise resources.memoryLimit to at least resources.memory (or drop it: the limit then equals the request)."
package kiln.rules.memory_limit_covers_request

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "resources.limits.memory"]), sprintf("container %s limits memory to %v, below its request of %v", [c.container.name, limit, request])) if {
	some c in lib.containers
	limit := c.container.resources.limits.memory
	request := c.container.resources.requests.memory
	lib.bytes(limit) < lib.bytes(request)
}
