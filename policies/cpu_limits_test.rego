package kiln.rules.cpu_limits_test

import data.kiln.rules.cpu_limits
import rego.v1

container(resources) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "resources": resources}]}}}}]}

test_required_missing_limit_fails if {
	cpu_limits.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.containers[0].resources.limits", "msg": "container a sets no CPU limit, which the repository requires (conventions.cpuLimits)"}} with input as container({"limits": {"memory": "1Gi"}})
		with data.kiln.conventions as {"cpuLimits": true}
}

test_required_limit_passes if {
	count(cpu_limits.deny) == 0 with input as container({"limits": {"cpu": "500m"}})
		with data.kiln.conventions as {"cpuLimits": true}
}

test_off_by_default_passes if {
	count(cpu_limits.deny) == 0 with input as container({})
	count(cpu_limits.deny) == 0 with input as container({}) with data.kiln.conventions as {"cpuLimits": false}
}
