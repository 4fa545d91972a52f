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
	not may_bind(c, p.containerPort)
}

# A container may bind a low port when it adds NET_BIND_SERVICE, or when
# its pod lowers net.ipv4.ip_unprivileged_port_start to the port.
may_bind(c, _) if {
	some cap in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	is_string(cap)
	trim_prefix(upper(cap), "CAP_") == "NET_BIND_SERVICE"
}

may_bind(c, port) if {
	some s in object.get(c.pod, ["securityContext", "sysctls"], [])
	is_string(s.name)
	is_string(s.value)
	replace(s.name, "/", ".") == "net.ipv4.ip_unprivileged_port_start"
	regex.match(`^[0-9]+$`, s.value)
	to_number(s.value) <= port
}
