# METADATA
# title: Services are not exposed on the nodes or a load balancer
# description: A NodePort Service opens its port on every node, a LoadBalancer one on an address outside the cluster; either exposes the app past the cluster's ingress, its TLS and its access rules.
# custom:
#   id: service-exposure
#   severity: warning
#   remediation: Use a ClusterIP Service behind an Ingress (kiln's spec.ingress), or waive the rule for the one Service that must be reached directly.
package kiln.rules.service_exposure

import data.kiln.lib
import rego.v1

deny contains lib.finding(svc, "spec.type", sprintf("Service %s is of type %s, which exposes it outside the cluster", [svc.metadata.name, svc.spec.type])) if {
	some svc in input.objects
	svc.kind == "Service"
	svc.spec.type in {"NodePort", "LoadBalancer"}
}
