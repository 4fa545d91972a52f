# METADATA
# title: Containers have liveness and readiness probes
# description: Without a readiness probe traffic reaches pods that cannot serve it; without a liveness probe a hung process is never restarted.
# custom:
#   id: probes-present
#   severity: warning
#   remediation: Keep the probes kiln derives from spec.health and spec.protocol; do not patch them away. An app without a port (protocol none) is probed only through spec.health.command, which gives it both probes.
package kiln.rules.probes_present

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.%s", [c.path, probe]), message(c, probe)) if {
	some c in lib.containers
	serving(c)
	some probe in ["livenessProbe", "readinessProbe"]
	not c.container[probe]
	not said_once(c, probe)
}

message(c, probe) := sprintf("container %s has no %s", [c.container.name, probe]) if not portless

message(c, probe) := sprintf("container %s has no %s: an app with protocol none is probed only through spec.health.command, which gives it both probes", [c.container.name, probe]) if portless

# portless holds for a kiln app that listens on no port.
portless if input.app.spec.protocol == "none"

# An app without a port gets both probes from one field, so a container
# that lacks both has one finding, at its liveness probe.
said_once(c, "readinessProbe") if {
	portless
	not c.container.livenessProbe
}

# serving holds for an app container of a pod that runs until stopped.
# An init container runs to completion before the others start (the API
# server refuses probes on it unless it is a sidecar), and the pods of a
# Job or CronJob finish: a liveness probe would only kill a long batch, and
# nobody routes traffic to it.
serving(c) if {
	not c.object.kind in {"Job", "CronJob"}
	regex.match(`\.containers\[[0-9]+\]$`, c.path)
	not kiln_sidecar(c)
}

# A kiln app's probes check the app: spec.health says how. A sidecar
# (a plain container beside the app's before Kubernetes 1.29) has no
# health of the app definition's to probe it by.
kiln_sidecar(c) if {
	input.app.metadata.name
	c.container.name != input.app.metadata.name
}
