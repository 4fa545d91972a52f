package kiln.rules.service_port_test

import data.kiln.rules.service_port
import rego.v1

objects(target) := [
	{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
	{"kind": "Service", "metadata": {"name": "a"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": target}]}},
]

test_wrong_target_fails if {
	some f in service_port.deny with input as {"app": {"spec": {"port": 8080}}, "objects": objects(9090)}
	f.path == "spec.ports[0].targetPort"
}

test_wrong_name_fails if {
	some f in service_port.deny with input as {"objects": objects("grpc")}
	f.path == "spec.ports[0].targetPort"
}

# Containers receive traffic on ports they do not declare.
test_undeclared_number_in_plain_manifests_passes if {
	count(service_port.deny) == 0 with input as {"objects": objects(9090)}
}

test_number_passes if {
	count(service_port.deny) == 0 with input as {"objects": objects(8080)}
}

test_name_passes if {
	count(service_port.deny) == 0 with input as {"objects": objects("http")}
}

test_unnamed_port_passes if {
	count(service_port.deny) == 0 with input as {"objects": [
		{"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": 8080}]}},
		{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]}}}},
	]}
}

test_pod_target_fails if {
	count(service_port.deny) == 1 with input as {"app": {}, "objects": [
		{"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": 9090}]}},
		{"kind": "Pod", "metadata": {"name": "a", "labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]}},
	]}
}

test_absent_target_defaults_to_port_fails if {
	some f in service_port.deny with input as {"app": {}, "objects": [
		{"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80}]}},
		{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]}}}},
	]}
	f.path == "spec.ports[0].port"
	f.msg == "Service s targets port 80, which no container of a exposes"
}

test_absent_target_equal_to_port_passes if {
	count(service_port.deny) == 0 with input as {"objects": [
		{"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 8080}]}},
		{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]}}}},
	]}
}

# A worker without a port (kiln's protocol none) gets no Service; one that
# selects it anyway (a patch) sends traffic nowhere.
worker := {"kind": "Deployment", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "w"}]}}}}

test_service_to_portless_worker_fails if {
	count(service_port.deny) == 1 with input as {"app": {}, "objects": [worker, {"kind": "Service", "metadata": {"name": "w"}, "spec": {"selector": {"app": "w"}, "ports": [{"port": 80}]}}]}
}

test_portless_worker_passes if {
	count(service_port.deny) == 0 with input as {"objects": [worker]}
}

# A native sidecar (an init container with restartPolicy Always) serves
# beside the app: a Service may send to its port. A plain init container
# has finished before the pod serves.
sidecar(restart) := {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {
	"initContainers": [object.union({"name": "shipper", "ports": [{"name": "fb-http", "containerPort": 2020}]}, restart)],
	"containers": [{"name": "a", "ports": [{"name": "http", "containerPort": 8080}]}],
}}}}

test_native_sidecar_port_passes if {
	count(service_port.deny) == 0 with input as {"app": {}, "objects": [sidecar({"restartPolicy": "Always"}), {"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 8080, "targetPort": 8080}, {"port": 2020, "targetPort": 2020}]}}]}
}

test_init_container_port_fails if {
	[f.path | some f in service_port.deny] == ["spec.ports[1].targetPort"] with input as {"app": {}, "objects": [sidecar({}), {"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 8080, "targetPort": 8080}, {"port": 2020, "targetPort": 2020}]}}]}
}
