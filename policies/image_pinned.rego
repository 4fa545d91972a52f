# METADATA
# title: Images are pinned to a version
# description: An image without a tag, or tagged latest, changes under the same name, so a restart can run code nobody reviewed.
# custom:
#   id: image-pinned
#   severity: error
#   remediation: Set spec.image to a version tag (app:1.4.2) or a digest (app@sha256:...).
package kiln.rules.image_pinned

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "image"]), sprintf("image %s is not pinned to a version", [c.container.image])) if {
	some c in lib.containers
	not pinned(c.container.image)
}

pinned(image) if contains(image, "@sha256:")

pinned(image) if {
	not contains(image, "@")
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	not endswith(last, ":latest")
}
