package kiln.rules.probes_present_test

import data.kiln.rules.probes_present
import rego.v1

container(c) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [c]}}}}]}

test_missing_readiness_fails if {
	probes_present.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].readinessProbe", "msg": "container a has no readinessProbe"}} with input as container({"name": "a", "livenessProbe": {"tcpSocket": {"port": 80}}})
}

test_both_probes_passes if {
	count(probes_present.deny) == 0 with input as container({"name": "a", "livenessProbe": {"tcpSocket": {"port": 80}}, "readinessProbe": {"tcpSocket": {"port": 80}}})
}

# A worker without a port and without spec.health.command: one finding
# that names the field which gives both probes.
test_portless_without_command_fails_once if {
	probes_present.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].livenessProbe", "msg": "container a has no livenessProbe: an app with protocol none is probed only through spec.health.command, which gives it both probes"}} with input as object.union(container({"name": "a"}), {"app": {"spec": {"protocol": "none"}}})
}

test_portless_with_command_passes if {
	count(probes_present.deny) == 0 with input as object.union(container({"name": "a", "livenessProbe": {"exec": {"command": ["check"]}}, "readinessProbe": {"exec": {"command": ["check"]}}}), {"app": {"spec": {"protocol": "none"}}})
}

test_init_containers_and_batch_passes if {
	count(probes_present.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {
		"initContainers": [{"name": "migrate"}],
		"containers": [{"name": "a", "livenessProbe": {"tcpSocket": {"port": 80}}, "readinessProbe": {"tcpSocket": {"port": 80}}}],
	}}}}]}
	count(probes_present.deny) == 0 with input as {"objects": [{"kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": [{"name": "j"}]}}}}]}
	count(probes_present.deny) == 0 with input as {"objects": [{"kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "j"}]}}}}}}]}
}

# A kiln app's sidecar, a plain container before Kubernetes 1.29, has no
# health of the app's to be probed by: the app's container alone is judged.
test_kiln_sidecar_container_passes if {
	count(probes_present.deny) == 0 with input as {"app": {"metadata": {"name": "a"}}, "objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [
		{"name": "a", "livenessProbe": {"tcpSocket": {"port": 80}}, "readinessProbe": {"tcpSocket": {"port": 80}}},
		{"name": "shipper"},
	]}}}}]}
}

test_plain_manifest_second_container_fails if {
	count(probes_present.deny) == 2 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [
		{"name": "a", "livenessProbe": {"tcpSocket": {"port": 80}}, "readinessProbe": {"tcpSocket": {"port": 80}}},
		{"name": "shipper"},
	]}}}}]}
}
