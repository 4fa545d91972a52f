# METADATA
# title: No API version the cluster no longer serves
# description: Kubernetes stops serving a beta or alpha API version some releases after the stable one arrives; an object written against it is refused by the API server of that release and later, so a cluster upgrade breaks the deploy. The target is the environment's Kubernetes version (environments.<env>.kubeVersion, kubeVersions in .kiln/config.yaml, or --kube-version); kiln knows every removal of Kubernetes' deprecation guide and of the releases it ships schemas for.
# custom:
#   id: removed-api
#   severity: error
#   remediation: Write the replacement apiVersion the finding names (and adapt the fields it changed, as the Kubernetes deprecation guide lists), or, where nothing replaces the kind, follow the finding's advice.
package kiln.rules.removed_api

import data.kiln.lib
import rego.v1

deny contains lib.api_finding(o, msg) if {
	some o in input.objects
	api := lib.api(o)
	api.removed != ""
	lib.kube_at_least(api.removed)
	msg := sprintf("%s/%s: %s %s was removed in Kubernetes %s; %s", [o.kind, o.metadata.name, o.apiVersion, o.kind, api.removed, api.advice])
}
