# METADATA
# title: Dockerfiles run as a non-root user
# description: A container that starts as root turns any remote code execution into root in the container, and kiln's Deployments refuse root (runAsNonRoot).
# custom:
#   id: dockerfile-user
#   severity: warning
#   remediation: End the final stage with USER and a non-root user, e.g. USER 65532:65532.
package kiln.rules.dockerfile_user

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(from, "the final stage sets no USER, so the container runs as root; add USER with a non-root user") if {
	from := final_from
	count(users) == 0
}

deny contains lib.dockerfile_finding(user, sprintf("USER %s runs the container as root; use a non-root user", [user.value[0]])) if {
	user := users[count(users) - 1]
	root(lib.expanded(user)[0])
}

final_from := i if {
	some i in input.dockerfile
	i.cmd == "from"
	i.stage == lib.final_stage
}

users := [i | some i in input.dockerfile; i.cmd == "user"; i.stage == lib.final_stage]

root(u) if split(u, ":")[0] in {"root", "0"}
