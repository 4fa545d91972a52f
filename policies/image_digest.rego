# METADATA
# title: Images are pinned by digest
# description: A tag can be moved to other content; a digest names exactly the image that was reviewed and scanned.
# custom:
#   id: image-digest
#   severity: info
#   remediation: Pin the image by digest as well as tag (app:1.4.2@sha256:...), for example with your registry's or CI's digest resolution.
package kiln.rules.image_digest

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "image"]), sprintf("image %s is pinned by tag but not by digest", [c.container.image])) if {
	some c in lib.containers
	not contains(c.container.image, "@sha256:")
	tagged(c.container.image)
}

# tagged: a tag other than latest, which image-pinned already requires.
tagged(image) if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	not endswith(last, ":latest")
}
