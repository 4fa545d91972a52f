# METADATA
# title: Services send traffic to a port the pods listen on
# description: A Service whose targetPort no container exposes accepts connections and sends them nowhere; the app's one port must agree everywhere.
# custom:
#   id: service-port
#   severity: error
#   remediation: Write the port once, in spec.port, and do not patch Service or container ports. In plain manifests, name in targetPort only a port a container declares by that name.
package kiln.rules.service_port

import data.kiln.lib
import rego.v1

deny contains lib.finding(svc, sprintf("spec.ports[%d].%s", [i, field]), sprintf("Service %s targets port %v, which no container of %s exposes", [svc.metadata.name, target, w.object.metadata.name])) if {
	some svc in input.objects
	svc.kind == "Service"
	some w in selected(svc)
	some i, p in svc.spec.ports
	[field, target] := target_port(p)
	not exposed(w.pod, target)
	judged(target)
}

# A named target port must be declared: nothing else gives the name a
# number. A numeric one need not, since a container receives traffic on
# every port it listens on, declared or not; it is judged only in what
# kiln emits, which declares the app's one port.
judged(target) if is_string(target)

judged(target) if {
	is_number(target)
	input.app
}

# selected are the workloads of the inventory a Service sends to, in
# whichever file of the run they are written.
selected(svc) := [{"object": o, "pod": lib.pod_spec(o)} |
	is_object(svc.spec.selector)
	count(svc.spec.selector) > 0
	some o in lib.pods_selected(svc, {"matchLabels": svc.spec.selector})
	is_object(lib.pod_spec(o))
]

# target_port is the port a Service port sends to, and the field that says
# so: targetPort, which defaults to port.
target_port(p) := ["targetPort", p.targetPort]

target_port(p) := ["port", p.port] if not "targetPort" in object.keys(p)

exposed(pod, port) if {
	some c in serving(pod)
	some cp in c.ports
	cp.containerPort == port
}

exposed(pod, port) if {
	some c in serving(pod)
	some cp in c.ports
	cp.name == port
}

# serving are the containers of a pod that run while it serves: its
# containers and its native sidecars (init containers with restartPolicy
# Always, which keep running beside the others).
serving(pod) := array.concat(
	object.get(pod, "containers", []),
	[c | some c in object.get(pod, "initContainers", []); object.get(c, "restartPolicy", "") == "Always"],
)
