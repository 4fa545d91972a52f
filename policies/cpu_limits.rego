# METADATA
# title: Containers set a CPU limit (opt-in)
# description: Some platforms require every container to cap its CPU so one app cannot starve its neighbours. Others do not, since a CPU limit throttles a container even when the node is idle; the rule therefore runs only when the repository asks for it with conventions.cpuLimits true in .kiln/config.yaml.
# custom:
#   id: cpu-limits
#   severity: warning
#   remediation: Set resources.limits.cpu on every container (kiln's spec.resources.cpuLimit), or turn the convention off.
package kiln.rules.cpu_limits

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "resources.limits"]), sprintf("container %s sets no CPU limit, which the repository requires (conventions.cpuLimits)", [c.container.name])) if {
	lib.convention("cpuLimits", false) == true
	some c in lib.containers
	not c.container.resources.limits.cpu
}
