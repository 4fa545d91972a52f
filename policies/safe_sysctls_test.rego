package kiln.rules.safe_sysctls_test

import data.kiln.rules.safe_sysctls
import rego.v1

sysctls(s) := {"objects": [{"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"template": {"spec": {"securityContext": {"sysctls": s}, "containers": [{"name": "a"}]}}}}]}

test_unsafe_sysctl_fails if {
	safe_sysctls.deny == {{"kind": "Deployment", "name": "a", "path": "spec.template.spec.securityContext.sysctls[1].name", "msg": "the pod sets sysctl kernel.msgmax, which is not in the kubelet's safe set"}} with input as sysctls([{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "65536"}])
}

test_safe_sysctls_passes if {
	count(safe_sysctls.deny) == 0 with input as sysctls([{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}, {"name": "net/ipv4/tcp_keepalive_time", "value": "600"}])
}

test_no_sysctls_pass if {
	count(safe_sysctls.deny) == 0 with input as {"objects": [{"kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "a"}]}}]}
}
