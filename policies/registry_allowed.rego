# METADATA
# title: Images come from allowed registries
# description: Images from registries the organisation does not control can change or vanish, and escape its scanning and signing.
# custom:
#   id: registry-allowed
#   severity: error
#   remediation: Use an image from one of the registries in data.allowed_registries, or ask the platform team to add the registry.
package kiln.rules.registry_allowed

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, concat(".", [c.path, "image"]), sprintf("image %s is not from an allowed registry (%s)", [c.container.image, concat(", ", data.allowed_registries)])) if {
	count(data.allowed_registries) > 0
	some c in lib.containers
	not allowed(normalise(c.container.image))
}

allowed(image) if {
	some prefix in data.allowed_registries
	startswith(image, concat("", [trim_suffix(prefix, "/"), "/"]))
}

# normalise writes Docker Hub's short names in full: nginx is
# docker.io/library/nginx, acme/app is docker.io/acme/app.
normalise(image) := concat("/", ["docker.io/library", image]) if not contains(image, "/")

normalise(image) := image if {
	contains(image, "/")
	registry_like(split(image, "/")[0])
}

normalise(image) := concat("/", ["docker.io", image]) if {
	contains(image, "/")
	not registry_like(split(image, "/")[0])
}

registry_like(first) if contains(first, ".")

registry_like(first) if contains(first, ":")

registry_like("localhost")
