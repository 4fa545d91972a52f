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
