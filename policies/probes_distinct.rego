# METADATA
# title: Liveness and readiness probes differ
# description: An HTTP liveness probe identical to the readiness probe restarts a container at the moment it should only stop taking traffic; a slow dependency turns into a restart loop across every replica.
# custom:
#   id: probes-distinct
#   severity: warning
#   remediation: Make the liveness probe check only that the process is alive (spec.health.liveness, /healthz) and the readiness probe that it can serve (spec.health.readiness, /readyz), or give liveness a higher failureThreshold.
package kiln.rules.probes_distinct

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "livenessProbe"]), sprintf("container %s has a liveness probe identical to its readiness probe; a dependency that slows down will restart it", [c.container.name])) if {
	some c in lib.containers
	is_object(c.container.livenessProbe.httpGet)
	c.container.livenessProbe == c.container.readinessProbe
}

# Only HTTP probes are judged: an HTTP server can answer "alive" and
# "ready" at two paths, whereas a TCP or gRPC port, or a check command,
# is often the only probe there is (kiln gives both probes the same one
# for protocols tcp and grpc and for spec.health.command).
