package kiln.rules.replicas_meet_sla_test

import data.kiln.rules.replicas_meet_sla
import rego.v1

sla := {"availability": 99.9, "min_replicas": 2}

test_one_replica_fails if {
	count(replicas_meet_sla.deny) == 1 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}]}
		with data.kiln.context as {"sla": sla, "production": true}
}

test_hpa_floor_fails if {
	count(replicas_meet_sla.deny) == 1 with input as {"objects": [{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}, "spec": {"maxReplicas": 3}}]}
		with data.kiln.context as {"sla": sla, "production": true}
}

test_enough_replicas_passes if {
	count(replicas_meet_sla.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 2}}]}
		with data.kiln.context as {"sla": sla, "production": true}
}

test_without_sla_passes if {
	count(replicas_meet_sla.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}]}
		with data.kiln.context as {}
}

test_staging_passes if {
	count(replicas_meet_sla.deny) == 0 with input as {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}]}
		with data.kiln.context as {"sla": sla, "production": false}
}

test_app_without_environments_fails if {
	count(replicas_meet_sla.deny) == 1 with input as {"app": {"spec": {}}, "objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}]}
		with data.kiln.context as {"sla": sla, "production": false, "environment": "default"}
}

test_app_staging_environment_passes if {
	count(replicas_meet_sla.deny) == 0 with input as {"app": {"spec": {}}, "objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 1}}]}
		with data.kiln.context as {"sla": sla, "production": false, "environment": "staging"}
}
