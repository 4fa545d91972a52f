package kiln.rules.selector_matches_template_test

import data.kiln.rules.selector_matches_template
import rego.v1

dc(selector, labels) := {"objects": [{
	"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "metadata": {"name": "a"},
	"spec": {"selector": selector, "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "a"}]}}},
}]}

rollout(selector, labels) := {"objects": [{
	"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
	"spec": {"selector": selector, "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "a"}]}}},
}]}

test_deployment_config_without_the_labels_fails if {
	selector_matches_template.deny == {{"kind": "DeploymentConfig", "name": "a", "path": "spec.selector", "msg": "DeploymentConfig a selects pods labelled app=a, which its pod template's labels (spec.template.metadata.labels) do not have"}} with input as dc({"app": "a"}, {"app": "b"})
}

test_deployment_config_with_the_labels_passes if {
	count(selector_matches_template.deny) == 0 with input as dc({"app": "a"}, {"app": "a", "tier": "web"})
}

test_rollout_match_labels_fails if {
	selector_matches_template.deny == {{"kind": "Rollout", "name": "r", "path": "spec.selector.matchLabels", "msg": "Rollout r selects pods labelled app=r, which its pod template's labels (spec.template.metadata.labels) do not have"}} with input as rollout({"matchLabels": {"app": "r"}}, {})
}

test_rollout_match_labels_passes if {
	count(selector_matches_template.deny) == 0 with input as rollout({"matchLabels": {"app": "r"}}, {"app": "r"})
}

# Kubernetes' own kinds are the API server's to judge (kube/rule).
test_deployment_is_left_to_the_api_server if {
	count(selector_matches_template.deny) == 0 with input as {"objects": [{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
		"spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {"metadata": {"labels": {}}, "spec": {"containers": [{"name": "a"}]}}},
	}]}
}
