# METADATA
# title: Mutable image tags are pulled every time
# description: An image tagged latest, or not tagged at all, moves; with imagePullPolicy IfNotPresent or Never each node runs whichever image it pulled first, so replicas of one Deployment run different code.
# custom:
#   id: image-pull-policy
#   severity: warning
#   remediation: Pin the image to a version or a digest (the image-pinned rule), or set imagePullPolicy Always while it is not.
package kiln.rules.image_pull_policy

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "imagePullPolicy"]), sprintf("container %s runs mutable image %s with imagePullPolicy %s; nodes keep whichever image they pulled first", [c.container.name, c.container.image, c.container.imagePullPolicy])) if {
	some c in lib.containers
	mutable(c.container.image)
	c.container.imagePullPolicy != "Always"
}

# mutable is an image named by a tag that moves: latest, or none, which
# means latest. Kubernetes pulls those Always when imagePullPolicy is
# unset, so only an explicit policy is at fault.
mutable(image) if {
	is_string(image)
	not lib.digest_pinned(image)
	lib.image_tag(image) in {"", "latest"}
}
