# METADATA
# title: A Dockerfile's USER name needs a numeric runAsUser
# description: With runAsNonRoot the kubelet starts a container only when it can verify that the user is not root, from the pod's runAsUser or from a numeric USER in the image (verifyRunAsNonRoot). A USER written as a name (USER node) beside a pod with runAsNonRoot and no runAsUser never starts (CreateContainerConfigError), which no API server dry run shows.
# custom:
#   id: dockerfile-user-numeric
#   severity: error
#   remediation: Write the user as numbers (USER 65532:65532), or let the pod say runAsUser (spec.runAs in the app definition; kiln sets it unless a patch removes it).
package kiln.rules.dockerfile_user_numeric

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(user, sprintf("USER %s names its user, and %s %s runs the image with runAsNonRoot and no runAsUser: the kubelet cannot verify that %s is not root and will not start the container; write the user as a number (USER 65532:65532) or give the pod a runAsUser (spec.runAs)", [user.value[0], c.object.kind, c.object.metadata.name, name])) if {
	user := final_user
	name := split(lib.expanded(user)[0], ":")[0]
	not regex.match(`^[0-9]+$`, name)
	not contains(name, "$") # a build argument without a default: unknown here
	some c in lib.containers
	c.container.image == input.app.spec.image
	effective(c, "runAsNonRoot") == true
	not is_number(effective(c, "runAsUser"))
}

# A USER the pod's runAsUser overrides is worth knowing: files the image
# gave its own user may not be readable or writable by the pod's.
deny contains object.union(lib.dockerfile_finding(user, sprintf("%s %s runs the image as runAsUser %d (spec.runAs.user), not as USER %s; if the image's files need its own user, set spec.runAs to its numeric id", [c.object.kind, c.object.metadata.name, uid, user.value[0]])), {"severity": "info"}) if {
	user := final_user
	name := split(lib.expanded(user)[0], ":")[0]
	not contains(name, "$")
	some c in lib.containers
	c.container.image == input.app.spec.image
	uid := effective(c, "runAsUser")
	is_number(uid)
	name != sprintf("%d", [uid])
}

# final_user is the last USER of the final stage: the image's user.
final_user := users[count(users) - 1] if {
	users := [i | some i in input.dockerfile; i.cmd == "user"; i.stage == lib.final_stage]
	count(users) > 0
}

# effective is a securityContext field as the kubelet reads it: the
# container's when it sets one, else the pod's.
effective(c, field) := v if {
	v := object.get(object.get(c.container, "securityContext", {}), field, null)
	v != null
}

effective(c, field) := v if {
	object.get(object.get(c.container, "securityContext", {}), field, null) == null
	v := object.get(object.get(c.pod, "securityContext", {}), field, null)
}
