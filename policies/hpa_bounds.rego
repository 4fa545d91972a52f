# METADATA
# title: Autoscalers may scale up
# description: An autoscaler whose maximum is below its minimum cannot work, and the API server refuses it.
# custom:
#   id: hpa-bounds
#   severity: error
#   remediation: Set spec.scaling.max to at least spec.scaling.min.
package kiln.rules.hpa_bounds

import data.kiln.lib
import rego.v1

deny contains lib.finding(o, "spec.maxReplicas", sprintf("HorizontalPodAutoscaler/%s has maxReplicas %d below minReplicas %d", [o.metadata.name, o.spec.maxReplicas, min])) if {
	some o in input.objects
	o.kind == "HorizontalPodAutoscaler"
	min := object.get(o.spec, "minReplicas", 1)
	o.spec.maxReplicas < min
}
