# METADATA
# title: Dockerfiles do not ADD URLs unchecked
# description: ADD of a URL downloads whatever the server returns at build time, unverified, so a compromised server changes the image.
# custom:
#   id: dockerfile-add-url
#   severity: warning
#   remediation: Download in a RUN step that verifies a checksum, or use ADD --checksum=sha256:... .
package kiln.rules.dockerfile_add_url

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(i, sprintf("ADD %s fetches a URL at build time without a checksum; download it in a RUN step with a verified checksum, or use ADD --checksum", [src])) if {
	some i in input.dockerfile
	i.cmd == "add"
	not checksummed(i)
	some src in array.slice(i.value, 0, count(i.value) - 1)
	regex.match(`^https?://`, src)
}

checksummed(i) if {
	some f in i.flags
	startswith(f, "--checksum=")
}
