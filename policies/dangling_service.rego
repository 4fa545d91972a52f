# METADATA
# title: Services select pods
# description: A Service whose selector matches no pod template sends its traffic nowhere; it is usually a label renamed on one side only.
# custom:
#   id: dangling-service
#   severity: warning
#   remediation: Make spec.selector match the pod template labels of the workload it serves, or lint the Service with that workload (kiln lint DIR, or --context).
package kiln.rules.dangling_service

import data.kiln.lib
import rego.v1

deny contains lib.finding(svc, "spec.selector", sprintf("Service %s selects no pods: no pod template of the linted manifests has the labels %s", [svc.metadata.name, labels(svc.spec.selector)])) if {
	some svc in input.objects
	svc.kind == "Service"
	object.get(svc.spec, "type", "ClusterIP") != "ExternalName"
	is_object(svc.spec.selector)
	count(svc.spec.selector) > 0
	not lib.selects_pods_by_labels(svc, svc.spec.selector)
}

labels(selector) := concat(", ", sort([sprintf("%s=%v", [k, v]) | some k, v in selector]))
