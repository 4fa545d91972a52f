# METADATA
# title: Replicas meet the SLA
# description: In production, fewer replicas than the availability promise needs means one restart or node drain breaks the promise; other environments make no promise.
# custom:
#   id: replicas-meet-sla
#   severity: warning
#   remediation: Raise spec.scaling.min to the replicas the SLA needs (kiln explain spec.sla.availability shows the table), or lower the SLA.
package kiln.rules.replicas_meet_sla

import data.kiln.lib
import rego.v1

deny contains lib.finding(o, "spec.replicas", sprintf("%s/%s has %d replica(s), but sla.availability %v needs at least %d; raise scaling.min to %d or lower the SLA", [o.kind, o.metadata.name, o.spec.replicas, sla.availability, sla.min_replicas, sla.min_replicas])) if {
	held
	sla := data.kiln.context.sla
	some o in input.objects
	o.kind in {"Deployment", "StatefulSet"}
	o.spec.replicas < sla.min_replicas
}

deny contains lib.finding(o, "spec.minReplicas", sprintf("HorizontalPodAutoscaler/%s scales down to %d replica(s), but sla.availability %v needs at least %d; raise scaling.min to %d or lower the SLA", [o.metadata.name, min, sla.availability, sla.min_replicas, sla.min_replicas])) if {
	held
	sla := data.kiln.context.sla
	some o in input.objects
	o.kind == "HorizontalPodAutoscaler"
	min := object.get(o.spec, "minReplicas", 1)
	min < sla.min_replicas
}

# held is true where the SLA is promised: a production environment, or
# the one configuration of an app without environments (kiln builds it as
# environment default), which is what runs in production. A staging
# environment promises nothing.
held if lib.production

held if {
	input.app
	data.kiln.context.environment == "default"
}
