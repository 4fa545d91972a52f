# METADATA
# title: Autoscalers scale an object that exists
# description: An autoscaler whose scaleTargetRef names no object scales nothing, and the workload it was meant for runs at a fixed size.
# custom:
#   id: dangling-hpa
#   severity: warning
#   remediation: Make spec.scaleTargetRef name the kind and name of the workload, or lint the autoscaler with that workload (kiln lint DIR, or --context).
package kiln.rules.dangling_hpa

import data.kiln.lib
import rego.v1

deny contains lib.finding(h, "spec.scaleTargetRef.name", sprintf("HorizontalPodAutoscaler %s scales %s/%s, which is not in the linted manifests", [h.metadata.name, ref.kind, ref.name])) if {
	some h in input.objects
	h.kind == "HorizontalPodAutoscaler"
	ref := h.spec.scaleTargetRef
	is_string(ref.kind)
	is_string(ref.name)
	count(lib.named(ref.kind, ref.name, h)) == 0
}
