# METADATA
# title: Containers bind no host port
# description: A hostPort binds the port on the node itself, bypassing NetworkPolicies, limiting the pod to one replica per node and exposing it to everything that reaches the node.
# custom:
#   id: no-host-port
#   severity: error
#   remediation: Remove ports[].hostPort and reach the pod through a Service (a NodePort or LoadBalancer one if it must be reached from outside).
package kiln.rules.no_host_port

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.ports[%d].hostPort", [c.path, i]), sprintf("container %s binds port %v of the node (hostPort)", [c.container.name, p.hostPort])) if {
	some c in lib.containers
	some i, p in object.get(c.container, "ports", [])
	p.hostPort
	p.hostPort != 0
}
