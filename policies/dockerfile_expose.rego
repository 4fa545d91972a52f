# METADATA
# title: Dockerfiles expose the app's port
# description: Ports are written once, in the app definition (spec.port and spec.ports); a Dockerfile that exposes another one documents the wrong port and misleads tools that read it. EXPOSE $PORT is read as BuildKit reads it, with the Dockerfile's own ARG and ENV defaults.
# custom:
#   id: dockerfile-expose
#   severity: error
#   remediation: Make EXPOSE say spec.port and the ports of spec.ports, or remove the EXPOSE and let the app definition be the one place the port is written. An app with protocol none listens on no port, so its Dockerfile exposes none.
package kiln.rules.dockerfile_expose

import data.kiln.lib
import rego.v1

deny contains lib.dockerfile_finding(i, disagrees(p)) if {
	input.app.spec.port
	some i in input.dockerfile
	i.cmd == "expose"
	some p in lib.expanded(i)
	port := split(p, "/")[0]
	regex.match(`^[0-9]+$`, port)
	not to_number(port) in named_ports
	to_number(port) != input.app.spec.port
}

# named_ports are the numbers of the app's other ports (spec.ports), which
# its Dockerfile exposes beside spec.port.
named_ports contains p.port if some p in object.get(input.app.spec, "ports", {})

disagrees(p) := sprintf("EXPOSE %s disagrees with spec.port %d in the app definition; the port belongs in one place: the app definition", [p, input.app.spec.port]) if count(named_ports) == 0

disagrees(p) := sprintf("EXPOSE %s is neither spec.port %d nor a port of spec.ports in the app definition; the ports belong in one place: the app definition", [p, input.app.spec.port]) if count(named_ports) > 0

deny contains object.union(lib.dockerfile_finding(from, sprintf("the Dockerfile does not EXPOSE spec.port %d; EXPOSE documents the port for people and tools", [input.app.spec.port])), {"severity": "info"}) if {
	input.app.spec.port
	count([i | some i in input.dockerfile; i.cmd == "expose"]) == 0
	some from in input.dockerfile
	from.cmd == "from"
	from.stage == lib.final_stage
}

# An app without a port (protocol none) exposes none but those of
# spec.ports (a metrics port): any other EXPOSE would document a port
# nothing listens on, or one the definition should name.
deny contains lib.dockerfile_finding(i, sprintf("EXPOSE %s, but the app definition says protocol none: the app listens on no port; remove the EXPOSE, or write the port in spec.port with its protocol", [concat(" ", i.value)])) if {
	input.app.spec.protocol == "none"
	count(named_ports) == 0
	some i in input.dockerfile
	i.cmd == "expose"
}

deny contains lib.dockerfile_finding(i, sprintf("EXPOSE %s, but the app definition says protocol none and names no such port in spec.ports; remove it from the EXPOSE, or add it to spec.ports", [p])) if {
	input.app.spec.protocol == "none"
	count(named_ports) > 0
	some i in input.dockerfile
	i.cmd == "expose"
	some p in lib.expanded(i)
	port := split(p, "/")[0]
	not to_number_or_null(port) in named_ports
}

to_number_or_null(s) := to_number(s) if regex.match(`^[0-9]+$`, s)

to_number_or_null(s) := null if not regex.match(`^[0-9]+$`, s)
