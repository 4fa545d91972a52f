# METADATA
# title: Production Ingresses serve HTTPS
# description: Without TLS, traffic to a production host, cookies and tokens included, crosses networks in clear text.
# custom:
#   id: ingress-tls
#   severity: warning
#   remediation: Add spec.ingress.tls.secretName (the Secret with the host's certificate, e.g. from cert-manager) in the production environment.
package kiln.rules.ingress_tls

import data.kiln.lib
import rego.v1

deny contains lib.finding(o, "spec.tls", sprintf("Ingress %s serves plain HTTP in production environment %s", [o.metadata.name, data.kiln.context.environment])) if {
	lib.production
	some o in input.objects
	o.kind == "Ingress"
	count(object.get(o.spec, "tls", [])) == 0
}

deny contains lib.finding(o, sprintf("spec.rules[%d].host", [i]), sprintf("Ingress %s serves %s without TLS", [o.metadata.name, r.host])) if {
	lib.production
	some o in input.objects
	o.kind == "Ingress"
	count(object.get(o.spec, "tls", [])) > 0
	some i, r in object.get(o.spec, "rules", [])
	not covered(o, r.host)
}

covered(o, host) if {
	some t in o.spec.tls
	host in object.get(t, "hosts", [])
}
