# METADATA
# title: Dockerfiles expose the app's port
# description: The port is written once, in the app definition; a Dockerfile that exposes another one documents the wrong port and misleads tools that read it. EXPOSE $PORT is read as BuildKit reads it, with the Dockerfile's own ARG and ENV defaults.
# custom:
#   id: dockerfile-expose
#   severity: error
#   remediation: Make EXPOSE say spec.port, or remove the EXPOSE and let the app definition be the one place the port is written. An app with protocol none listens on no port, so its Dockerfile exposes none.
package kiln.rules.dockerfile_expose

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(i, sprintf("EXPOSE %s disagrees with spec.port %d in the app definition; the port belongs in one place: the app definition", [p, input.app.spec.port])) if {
	input.app.spec.port
	some i in input.dockerfile
	i.cmd == "expose"
	some p in lib.expanded(i)
	port := split(p, "/")[0]
	regex.match(`^[0-9]+$`, port)
	to_number(port) != input.app.spec.port
}

deny contains object.union(lib.dockerfile_finding(from, sprintf("the Dockerfile does not EXPOSE spec.port %d; EXPOSE documents the port for people and tools", [input.app.spec.port])), {"severity": "info"}) if {
	input.app.spec.port
	count([i | some i in input.dockerfile; i.cmd == "expose"]) == 0
	some from in input.dockerfile
	from.cmd == "from"
	from.stage == lib.final_stage
}

# An app without a port (protocol none) exposes none: an EXPOSE would
# document a port nothing listens on, or one the definition should name.
deny contains lib.dockerfile_finding(i, sprintf("EXPOSE %s, but the app definition says protocol none: the app listens on no port; remove the EXPOSE, or write the port in spec.port with its protocol", [concat(" ", i.value)])) if {
	input.app.spec.protocol == "none"
	some i in input.dockerfile
	i.cmd == "expose"
}
