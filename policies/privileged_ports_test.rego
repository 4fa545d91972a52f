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

# Port 22 is privileged too; ssh-port says besides that it serves SSH.
test_ssh_port_fails if {
	count(privileged_ports.deny) == 1 with input as ports([{"containerPort": 22}])
}

test_allowed_binds_pass if {
	count(privileged_ports.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}], "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}]}}}}]}
	count(privileged_ports.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"securityContext": {"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]}, "containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}}}}]}
}
