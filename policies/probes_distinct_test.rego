package kiln.rules.probes_distinct_test

import data.kiln.rules.probes_distinct
import rego.v1

container(l, r) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "livenessProbe": l, "readinessProbe": r}]}}}}]}

probe(path) := {"httpGet": {"path": path, "port": 8080}}

test_identical_fails if {
	probes_distinct.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].livenessProbe", "msg": "container a has a liveness probe identical to its readiness probe; a dependency that slows down will restart it"}} with input as container(probe("/health"), probe("/health"))
}

test_different_paths_pass if {
	count(probes_distinct.deny) == 0 with input as container(probe("/healthz"), probe("/readyz"))
}

test_same_check_other_threshold_passes if {
	count(probes_distinct.deny) == 0 with input as container(object.union(probe("/health"), {"failureThreshold": 6}), probe("/health"))
}

test_identical_tcp_and_exec_pass if {
	count(probes_distinct.deny) == 0 with input as container({"tcpSocket": {"port": 5432}}, {"tcpSocket": {"port": 5432}})
	count(probes_distinct.deny) == 0 with input as container({"exec": {"command": ["check"]}}, {"exec": {"command": ["check"]}})
}
