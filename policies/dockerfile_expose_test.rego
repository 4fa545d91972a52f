package kiln.rules.dockerfile_expose_test

import data.kiln.rules.dockerfile_expose
import rego.v1

test_other_port_fails if {
	count(dockerfile_expose.deny) == 1 with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["9090/tcp"], "flags": [], "stage": 0, "line": 2}]}
}

test_missing_expose_is_info if {
	[f.severity | some f in dockerfile_expose.deny] == ["info"] with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}]}
}

test_same_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["8080/tcp"], "flags": [], "stage": 0, "line": 2}]}
}

test_build_arg_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["$PORT"], "flags": [], "stage": 0, "line": 2}]}
}

test_expose_without_port_fails if {
	[f.dockerfile_line | some f in dockerfile_expose.deny] == [2] with input as {"app": {"spec": {"protocol": "none"}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["8080"], "flags": [], "stage": 0, "line": 2}]}
}

test_no_expose_without_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"protocol": "none"}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}]}
}

# EXPOSE ${PORT} is judged by the value the Dockerfile gives PORT, which
# kiln's parser expands into "expanded" as BuildKit does.
test_expanded_build_arg_port_fails if {
	[f.dockerfile_line | some f in dockerfile_expose.deny] == [3] with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "arg", "value": ["PORT=80"], "flags": [], "stage": 0, "line": 2}, {"cmd": "expose", "value": ["${PORT}"], "expanded": ["80"], "flags": [], "stage": 0, "line": 3}]}
}

test_expanded_same_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"port": 8080}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["${PORT}"], "expanded": ["8080"], "flags": [], "stage": 0, "line": 2}]}
}

# The app's named ports (spec.ports) are exposed beside spec.port.
test_named_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"port": 8080, "ports": {"metrics": {"port": 9090, "protocol": "TCP"}, "dns": {"port": 5353, "protocol": "UDP"}}}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["8080", "9090", "5353/udp"], "flags": [], "stage": 0, "line": 2}]}
}

test_unnamed_port_beside_named_fails if {
	[f.msg | some f in dockerfile_expose.deny] == ["EXPOSE 9091 is neither spec.port 8080 nor a port of spec.ports in the app definition; the ports belong in one place: the app definition"] with input as {"app": {"spec": {"port": 8080, "ports": {"metrics": {"port": 9090, "protocol": "TCP"}}}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["8080", "9091"], "flags": [], "stage": 0, "line": 2}]}
}

# A worker without a primary port may expose its metrics port, and that alone.
test_portless_named_port_passes if {
	count(dockerfile_expose.deny) == 0 with input as {"app": {"spec": {"protocol": "none", "ports": {"metrics": {"port": 9090, "protocol": "TCP"}}}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["9090/tcp"], "flags": [], "stage": 0, "line": 2}]}
}

test_portless_other_port_fails if {
	[f.dockerfile_line | some f in dockerfile_expose.deny] == [2] with input as {"app": {"spec": {"protocol": "none", "ports": {"metrics": {"port": 9090, "protocol": "TCP"}}}}, "dockerfile": [{"cmd": "from", "value": ["a:1"], "flags": [], "stage": 0, "line": 1}, {"cmd": "expose", "value": ["9090", "8080"], "flags": [], "stage": 0, "line": 2}]}
}
