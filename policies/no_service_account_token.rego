# METADATA
# title: Pods mount no API token they do not need
# description: Most apps never call the Kubernetes API; a mounted service account token is then only of use to an intruder.
# custom:
#   id: no-service-account-token
#   severity: info
#   remediation: "Set automountServiceAccountToken: false on the pod unless the app calls the Kubernetes API (kiln's own output does)."
package kiln.rules.no_service_account_token

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, "automountServiceAccountToken"]), sprintf("the pod of %s/%s mounts a service account token", [w.object.kind, w.object.metadata.name])) if {
	some w in lib.workloads
	not w.pod.automountServiceAccountToken == false
}
