# METADATA
# title: Containers do not expose SSH
# description: A container that listens on port 22 runs an SSH server beside the app, a way into the pod that bypasses the cluster's access control and audit log.
# custom:
#   id: ssh-port
#   severity: warning
#   remediation: Remove the SSH server and port 22; use kubectl exec or kubectl debug, which the API server authorises and audits.
package kiln.rules.ssh_port

import data.kiln.lib
import rego.v1

deny contains lib.finding(c.object, sprintf("%s.ports[%d].containerPort", [c.path, i]), sprintf("container %s exposes the SSH port 22", [c.container.name])) if {
	some c in lib.containers
	some i, p in object.get(c.container, "ports", [])
	p.containerPort == 22
}
