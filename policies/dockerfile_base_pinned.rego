# METADATA
# title: Dockerfile base images are pinned
# description: A base image without a version tag or digest changes under the same name, so two builds of one commit differ.
# custom:
#   id: dockerfile-base-pinned
#   severity: warning
#   remediation: Name a version tag (golang:1.23) or a digest (golang@sha256:...) in every FROM.
package kiln.rules.dockerfile_base_pinned

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(i, sprintf("base image %s is not pinned: name a version tag or an @sha256 digest, so that builds are repeatable", [image])) if {
	some i in input.dockerfile
	i.cmd == "from"
	image := i.value[0]
	not lower(image) in stages(i.stage)
	not pinned(image)
}

# stages are the names of the stages before the one at index n, which FROM
# may use unpinned.
stages(n) := {lower(i.value[2]) |
	some i in input.dockerfile
	i.cmd == "from"
	i.stage < n
	count(i.value) == 3
	lower(i.value[1]) == "as"
}

pinned("scratch")

pinned(image) if contains(image, "@sha256:")

pinned(image) if contains(image, "$")

pinned(image) if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	not endswith(last, ":latest")
}
