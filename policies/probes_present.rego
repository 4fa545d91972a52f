# METADATA
# title: Containers have liveness and readiness probes
# description: Without a readiness probe traffic reaches pods that cannot serve it; without a liveness probe a hung process is never restarted.
# custom:
#   id: probes-present
#   severity: warning
#   remediation: Keep the probes kiln derives from spec.health and spec.protocol; do not patch them away.
package kiln.rules.probes_present

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.%s", [c.path, probe]), sprintf("container %s has no %s", [c.container.name, probe])) if {
	some c in lib.containers
	some probe in ["livenessProbe", "readinessProbe"]
	not c.container[probe]
}
