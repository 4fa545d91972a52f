package kiln.rules.service_exposure_test

import data.kiln.rules.service_exposure
import rego.v1

service(type) := {"objects": [{"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": type, "ports": [{"port": 80}]}}]}

test_node_port_fails if {
	service_exposure.deny == {{"kind": "Service", "name": "s", "path": "spec.type", "msg": "Service s is of type NodePort, which exposes it outside the cluster"}} with input as service("NodePort")
}

test_load_balancer_fails if {
	count(service_exposure.deny) == 1 with input as service("LoadBalancer")
}

test_cluster_ip_passes if {
	count(service_exposure.deny) == 0 with input as service("ClusterIP")
	count(service_exposure.deny) == 0 with input as {"objects": [{"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}]}
}
