# METADATA
# title: Containers drop all capabilities and add only allowed ones
# description: Linux capabilities such as SYS_ADMIN, NET_RAW or BPF give a container powers over the node and its network that an application never needs; the Pod Security Standard "restricted" lets a container add NET_BIND_SERVICE only.
# custom:
#   id: drop-capabilities
#   severity: error
#   remediation: Keep capabilities.drop [ALL] (kiln's default) and add only capabilities the repository allows (conventions.allowedCapabilities in .kiln/config.yaml, NET_BIND_SERVICE by default).
package kiln.rules.drop_capabilities

import data.kiln.lib
import rego.v1

# allowed are the capabilities a container may add: NET_BIND_SERVICE, as
# the restricted Pod Security Standard, unless the repository says
# otherwise. Names are compared without the CAP_ prefix and case.
allowed := {normal(c) | some c in lib.convention("allowedCapabilities", ["NET_BIND_SERVICE"]); is_string(c)}

normal(cap) := trim_prefix(upper(cap), "CAP_")

deny contains lib.finding(c.object, concat(".", [c.path, "securityContext.capabilities.drop"]), sprintf("container %s does not drop ALL capabilities", [c.container.name])) if {
	some c in lib.containers
	not "ALL" in {upper(d) | some d in object.get(c.container, ["securityContext", "capabilities", "drop"], []); is_string(d)}
}

deny contains lib.finding(c.object, sprintf("%s.securityContext.capabilities.add[%d]", [c.path, i]), sprintf("container %s adds capability %s, which is not allowed (allowed: %s)", [c.container.name, cap, concat(", ", sort(allowed))])) if {
	some c in lib.containers
	some i, cap in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	is_string(cap)
	not normal(cap) in allowed
}
