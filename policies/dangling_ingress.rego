# METADATA
# title: Ingresses send to a Service port that exists
# description: An Ingress backend naming a Service, or a port of it, that does not exist answers 503 on its paths.
# custom:
#   id: dangling-ingress
#   severity: warning
#   remediation: Make the backend name a Service and one of its ports (by spec.ports[].port or name), or lint the Ingress with that Service (kiln lint DIR, or --context).
package kiln.rules.dangling_ingress

import data.kiln.lib
import rego.v1

deny contains lib.finding(ing, concat(".", [path, "name"]), sprintf("Ingress %s sends to Service %s, which is not in the linted manifests", [ing.metadata.name, b.name])) if {
	some ing in input.objects
	ing.kind == "Ingress"
	some path, b in backends(ing)
	count(lib.named("Service", b.name, ing)) == 0
}

deny contains lib.finding(ing, concat(".", [path, "port", field]), sprintf("Ingress %s sends to port %v of Service %s, which has no such port", [ing.metadata.name, port, b.name])) if {
	some ing in input.objects
	ing.kind == "Ingress"
	some path, b in backends(ing)
	services := lib.named("Service", b.name, ing)
	count(services) > 0
	some field in ["number", "name"]
	port := b.port[field]
	not serves(services, field, port)
}

# backends are the Service backends of an Ingress, by the path to them.
backends(ing) := object.union(default_backend(ing), path_backends(ing))

default_backend(ing) := {"spec.defaultBackend.service": s} if {
	s := ing.spec.defaultBackend.service
	is_string(s.name)
}

default_backend(ing) := {} if not is_string(object.get(ing, ["spec", "defaultBackend", "service", "name"], null))

path_backends(ing) := {sprintf("spec.rules[%d].http.paths[%d].backend.service", [i, j]): p.backend.service |
	some i, r in object.get(ing.spec, "rules", [])
	some j, p in object.get(r, ["http", "paths"], [])
	is_string(p.backend.service.name)
}

serves(services, "number", port) if {
	some s in services
	some p in s.spec.ports
	p.port == port
}

serves(services, "name", port) if {
	some s in services
	some p in s.spec.ports
	p.name == port
}
