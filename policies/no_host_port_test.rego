package kiln.rules.no_host_port_test

import data.kiln.rules.no_host_port
import rego.v1

ports(ps) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": ps}]}}}}]}

test_host_port_fails if {
	no_host_port.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].ports[1].hostPort", "msg": "container a binds port 8080 of the node (hostPort)"}} with input as ports([{"containerPort": 9090}, {"containerPort": 8080, "hostPort": 8080}])
}

test_container_port_passes if {
	count(no_host_port.deny) == 0 with input as ports([{"containerPort": 8080}])
}

test_zero_host_port_passes if {
	count(no_host_port.deny) == 0 with input as ports([{"containerPort": 8080, "hostPort": 0}])
}
