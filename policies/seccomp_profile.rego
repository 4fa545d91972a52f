# METADATA
# title: Pods run with a seccomp profile
# description: Without a seccomp profile every system call is open to the container, including the rare ones most kernel exploits use.
# custom:
#   id: seccomp-profile
#   severity: warning
#   remediation: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (kiln's own output does)."
package kiln.rules.seccomp_profile

import data.kiln.lib
import rego.v1

deny contains lib.finding(w.object, concat(".", [w.podPath, "securityContext.seccompProfile"]), sprintf("the pod of %s/%s runs without a seccomp profile", [w.object.kind, w.object.metadata.name])) if {
	some w in lib.workloads
	not confined(object.get(w.pod, ["securityContext", "seccompProfile", "type"], ""))
	some c in object.get(w.pod, "containers", [])
	not confined(object.get(c, ["securityContext", "seccompProfile", "type"], ""))
}

confined(t) if t in {"RuntimeDefault", "Localhost"}
