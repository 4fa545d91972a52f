# METADATA
# title: Pods run as a ServiceAccount that exists
# description: A pod naming a ServiceAccount that does not exist is refused by the API server's admission, so its workload never starts a pod; it is usually an account renamed or left in another chart.
# custom:
#   id: service-account-exists
#   severity: warning
#   remediation: Create the ServiceAccount with the workload, fix the name, or lint the workload with the manifest that creates it (kiln lint DIR, or --context).
package kiln.rules.service_account_exists

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, field]), sprintf("the pod of %s/%s runs as ServiceAccount %s, which is not in the linted manifests", [w.object.kind, w.object.metadata.name, sa])) if {
	some w in lib.workloads
	[field, sa] := account(w.pod)
	sa != "default"
	count(lib.named("ServiceAccount", sa, w.object)) == 0
}

# account is the ServiceAccount a pod names, and the field that names it:
# serviceAccountName, or the deprecated serviceAccount the API server
# still reads when the former is absent.
account(pod) := ["serviceAccountName", pod.serviceAccountName] if is_string(pod.serviceAccountName)

account(pod) := ["serviceAccount", pod.serviceAccount] if {
	not is_string(object.get(pod, "serviceAccountName", null))
	is_string(pod.serviceAccount)
}
