# METADATA
# title: Pods do not run as the default ServiceAccount
# description: Every pod of a namespace that names no account shares its default ServiceAccount, so a permission granted to one of them is granted to all; a pod that mounts no token is spared.
# custom:
#   id: default-service-account
#   severity: warning
#   remediation: Give the workload its own ServiceAccount (kiln emits one per app) and name it in serviceAccountName, or set automountServiceAccountToken to false when the app never calls the Kubernetes API.
package kiln.rules.default_service_account

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, "serviceAccountName"]), sprintf("the pod of %s/%s runs as the namespace's default ServiceAccount with its token mounted", [w.object.kind, w.object.metadata.name])) if {
	some w in lib.workloads
	object.get(w.pod, "serviceAccountName", object.get(w.pod, "serviceAccount", "default")) in {"", "default"}
	not w.pod.automountServiceAccountToken == false
}
