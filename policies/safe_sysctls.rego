# METADATA
# title: Pods set only safe sysctls
# description: A sysctl outside the kubelet's safe set changes the kernel of the node, for every pod on it; the kubelet refuses such a pod unless the node allows it, and the Pod Security Standard "baseline" forbids it.
# custom:
#   id: safe-sysctls
#   severity: error
#   remediation: Remove the sysctl from securityContext.sysctls, or tune it on the nodes that need it; the kubelet's safe set is kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem and net.ipv4.tcp_wmem.
package kiln.rules.safe_sysctls

import data.kiln.lib
import rego.v1

# safe is the kubelet's safe sysctl set (pkg/kubelet/sysctl/safe_sysctls.go):
# namespaced sysctls that cannot affect other pods on the node.
safe := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
}

# The kubelet reads net/ipv4/tcp_rmem as net.ipv4.tcp_rmem.
normal(name) := replace(name, "/", ".")

deny contains lib.finding(w.object, sprintf("%s.securityContext.sysctls[%d].name", [w.podPath, i]), sprintf("the pod sets sysctl %s, which is not in the kubelet's safe set", [s.name])) if {
	some w in lib.workloads
	some i, s in object.get(w.pod, ["securityContext", "sysctls"], [])
	is_string(s.name)
	not normal(s.name) in safe
}
