package kiln.rules.dangling_service_test

import data.kiln.rules.dangling_service
import rego.v1

svc(selector) := {"kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": selector, "ports": [{"port": 80}]}}

deployment := {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": {"app": "web", "tier": "front"}}, "spec": {"containers": []}}}}

test_selector_matching_a_template_passes if {
	count(dangling_service.deny) == 0 with input as {"objects": [svc({"app": "web"}), deployment]}
}

test_selector_matching_nothing_fails if {
	count(dangling_service.deny) == 1 with input as {"objects": [svc({"app": "wbe"}), deployment]}
	count(dangling_service.deny) == 1 with input as {"objects": [svc({"app": "web", "tier": "back"}), deployment]}
}

test_pods_of_another_file_count if {
	count(dangling_service.deny) == 0 with input as {"objects": [svc({"app": "web"})]}
		with data.kiln.inventory as {"Deployment": {"web": [deployment]}}
}

test_pods_of_another_namespace_do_not_count if {
	s := object.union(svc({"app": "web"}), {"metadata": {"namespace": "a"}})
	d := object.union(deployment, {"metadata": {"namespace": "b"}})
	count(dangling_service.deny) == 1 with input as {"objects": [s, d]}
}

test_cronjob_and_pod_labels_count if {
	cj := {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {}}}}}}
	pod := {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}}, "spec": {}}
	count(dangling_service.deny) == 0 with input as {"objects": [svc({"app": "web"}), cj]}
	count(dangling_service.deny) == 0 with input as {"objects": [svc({"app": "web"}), pod]}
}

test_services_without_selector_pass if {
	headless := {"kind": "Service", "metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}}
	external := {"kind": "Service", "metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "x.example.com", "selector": {"app": "x"}}}
	count(dangling_service.deny) == 0 with input as {"objects": [headless, external]}
}
