package kiln.rules.ssh_port_test

import data.kiln.rules.ssh_port
import rego.v1

ports(ps) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": ps}]}}}}]}

test_port_22_fails if {
	ssh_port.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].ports[0].containerPort", "msg": "container a exposes the SSH port 22"}} with input as ports([{"containerPort": 22}])
}

test_other_ports_passes if {
	count(ssh_port.deny) == 0 with input as ports([{"containerPort": 2222}, {"containerPort": 8080}])
}
