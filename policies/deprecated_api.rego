# METADATA
# title: No deprecated API version
# description: A deprecated API version is still served, with a warning, until a later release removes it; moving now, while both versions work, is cheaper than during the cluster upgrade that refuses the old one. The target is the environment's Kubernetes version (environments.<env>.kubeVersion, kubeVersions in .kiln/config.yaml, or --kube-version).
# custom:
#   id: deprecated-api
#   severity: warning
#   remediation: Write the replacement apiVersion the finding names before the release that removes the old one.
package kiln.rules.deprecated_api

import data.kiln.lib
import rego.v1

deny contains lib.api_finding(o, message(o, api)) if {
	some o in input.objects
	api := lib.api(o)
	api.deprecated != ""
	lib.kube_at_least(api.deprecated)
	not removed(api)
}

removed(api) if {
	api.removed != ""
	lib.kube_at_least(api.removed)
}

message(o, api) := sprintf("%s/%s: %s %s is deprecated since Kubernetes %s and removed in %s; %s", [o.kind, o.metadata.name, o.apiVersion, o.kind, api.deprecated, api.removed, api.advice]) if api.removed != ""

message(o, api) := sprintf("%s/%s: %s %s is deprecated since Kubernetes %s; %s", [o.kind, o.metadata.name, o.apiVersion, o.kind, api.deprecated, api.advice]) if api.removed == ""
