# METADATA
# title: Containers listen on unprivileged ports
# description: Binding a port below 1024 needs root or NET_BIND_SERVICE, which a container that runs as non-root with all capabilities dropped does not have; the port then fails at start-up, or the container keeps powers it should not.
# custom:
#   id: privileged-ports
#   severity: warning
#   remediation: Listen on a port of 1024 or above (8080 rather than 80) and let the Service map its port to it.
package kiln.rules.privileged_ports

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.ports[%d].containerPort", [c.path, i]), sprintf("container %s listens on privileged port %d; ports below 1024 need root or NET_BIND_SERVICE", [c.container.name, p.containerPort])) if {
	some c in lib.containers
	some i, p in object.get(c.container, "ports", [])
	is_number(p.containerPort)
	p.containerPort > 0
	p.containerPort < 1024
	p.containerPort != 22 # the ssh-port rule says why 22 is worse
}
