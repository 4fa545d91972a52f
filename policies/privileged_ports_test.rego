package kiln.rules.privileged_ports_test

import data.kiln.rules.privileged_ports
import rego.v1

ports(ps) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": ps}]}}}}]}

test_port_80_fails if {
	privileged_ports.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].ports[1].containerPort", "msg": "container a listens on privileged port 80; ports below 1024 need root or NET_BIND_SERVICE"}} with input as ports([{"containerPort": 8080}, {"containerPort": 80}])
}

test_unprivileged_passes if {
	count(privileged_ports.deny) == 0 with input as ports([{"containerPort": 1024}, {"containerPort": 8443}])
}

test_ssh_is_left_to_ssh_port if {
	count(privileged_ports.deny) == 0 with input as ports([{"containerPort": 22}])
}
