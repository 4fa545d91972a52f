package kiln.rules.dangling_ingress_test

import data.kiln.rules.dangling_ingress
import rego.v1

ingress(backend) := {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": backend}}]}}]}}

svc := {"kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}

test_existing_service_and_port_passes if {
	count(dangling_ingress.deny) == 0 with input as {"objects": [ingress({"name": "web", "port": {"number": 80}}), svc]}
	count(dangling_ingress.deny) == 0 with input as {"objects": [ingress({"name": "web", "port": {"name": "http"}}), svc]}
	count(dangling_ingress.deny) == 0 with input as {"objects": [ingress({"name": "web", "port": {"number": 80}})]}
		with data.kiln.inventory as {"Service": {"web": [svc]}}
}

test_missing_service_fails if {
	deny := dangling_ingress.deny with input as {"objects": [ingress({"name": "api", "port": {"number": 80}}), svc]}
	some f in deny
	f.path == "spec.rules[0].http.paths[0].backend.service.name"
	count(deny) == 1
}

test_missing_port_fails if {
	deny := dangling_ingress.deny with input as {"objects": [ingress({"name": "web", "port": {"number": 8080}}), svc]}
	some f in deny
	f.path == "spec.rules[0].http.paths[0].backend.service.port.number"
	count(dangling_ingress.deny) == 1 with input as {"objects": [ingress({"name": "web", "port": {"name": "https"}}), svc]}
}

test_default_backend_is_checked if {
	ing := {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"defaultBackend": {"service": {"name": "gone", "port": {"number": 80}}}}}
	deny := dangling_ingress.deny with input as {"objects": [ing, svc]}
	some f in deny
	f.path == "spec.defaultBackend.service.name"
}

test_resource_backends_passes if {
	ing := {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"defaultBackend": {"resource": {"apiGroup": "k8s.example.com", "kind": "Bucket", "name": "static"}}}}
	count(dangling_ingress.deny) == 0 with input as {"objects": [ing]}
}
