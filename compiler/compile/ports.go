package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
)

// MetricsPort is the name of the port the ServiceMonitor scrapes and the
// NetworkPolicy opens to every source, like the primary port.
const MetricsPort = "metrics"

// A podPort is one port of the pod: the app's primary port, one of its
// named ports (spec.ports), or one of a sidecar's.
type podPort struct {
	name     string
	port     int32
	protocol corev1.Protocol
	primary  bool // spec.port
	// owner is the index of the sidecar that listens on it, or -1 for
	// the app's own container.
	owner int
	// at is the app field of the port's number; nameAt that of its name
	// (the protocol for the primary port, the key for a named one).
	at, nameAt []string
}

// ports are the pod's ports in a fixed order: the primary port, the app's
// named ports by name, then each sidecar's by name (collectPorts).
func (c *compiler) ports() []podPort { return c.podPorts }

// collectPorts lists the pod's ports once, for ports. Port names and port
// numbers (per protocol) are unique in a pod, as the Service that lists
// them all requires: a port that repeats one before it is a finding at the
// line that repeats it, and is left out, so that the objects stay valid.
func (c *compiler) collectPorts() {
	var all []podPort
	s := c.app.Spec
	if c.listens() {
		all = append(all, podPort{name: c.portName(), port: int32(s.Port), protocol: corev1.ProtocolTCP, primary: true, owner: -1,
			at: []string{"spec", "port"}, nameAt: []string{"spec", "protocol"}})
	}
	all = append(all, named(s.Ports, -1, "spec", "ports")...)
	for i, sc := range s.Sidecars {
		all = append(all, named(sc.Ports, i, "spec", "sidecars", strconv.Itoa(i), "ports")...)
	}
	names := map[string]podPort{}
	numbers := map[string]podPort{}
	for _, p := range all {
		num := fmt.Sprintf("%d/%s", p.port, p.protocol)
		if first, dup := names[p.name]; dup {
			c.finding(diag.Error, "build/port-name", c.sameName(p, first), p.nameAt...)
			continue
		}
		if first, dup := numbers[num]; dup {
			c.finding(diag.Error, "build/port-number", fmt.Sprintf(
				"port %s is already %s's: a pod listens on a port once; give this one another number", num, c.describe(first)), p.at...)
			continue
		}
		names[p.name], numbers[num] = p, p
		c.podPorts = append(c.podPorts, p)
	}
}

func (c *compiler) sameName(p, first podPort) string {
	if first.primary {
		return fmt.Sprintf("port name %s is the primary port's (spec.protocol names it): call this port something else", p.name)
	}
	return fmt.Sprintf("port name %s is already %s's: port names are unique in the pod, as the Service lists every port by name", p.name, c.describe(first))
}

// describe says whose port p is, for a message.
func (c *compiler) describe(p podPort) string {
	if p.owner == -1 {
		return "the app's port " + p.name
	}
	return "sidecar " + c.app.Spec.Sidecars[p.owner].Name + "'s port " + p.name
}

// named are the ports of a map of named ports, by name, with the app
// fields under path.
func named(ports map[string]app.Port, owner int, path ...string) []podPort {
	var out []podPort
	for _, n := range slices.Sorted(maps.Keys(ports)) {
		p := ports[n]
		at := append(slices.Clone(path), n)
		out = append(out, podPort{name: n, port: int32(p.Port), protocol: protocolOf(p.Protocol), owner: owner,
			at: append(slices.Clone(at), "port"), nameAt: at})
	}
	return out
}

func protocolOf(p string) corev1.Protocol {
	if p == "UDP" {
		return corev1.ProtocolUDP
	}
	return corev1.ProtocolTCP
}

// containerPorts are the ports of the container owner (-1 the app's),
// recorded as the fields of the container at ctr.
func (c *compiler) containerPorts(ctr string, owner int) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, p := range c.ports() {
		if p.owner != owner {
			continue
		}
		f := ctr + ".ports[" + strconv.Itoa(len(out)) + "]"
		c.setPod(f+".containerPort", p.at...)
		c.setPod(f+".name", p.nameAt...)
		c.setPod(f+".protocol", p.at...)
		out = append(out, corev1.ContainerPort{Name: p.name, ContainerPort: p.port, Protocol: p.protocol})
	}
	return out
}

// serves reports whether the pod has a port, so the app a Service.
func (c *compiler) serves() bool { return len(c.ports()) > 0 }

// metricsPort is the port the ServiceMonitor scrapes: the one named
// metrics when there is one, else the primary port.
func (c *compiler) metricsPort() (podPort, bool) {
	ps := c.ports()
	for _, p := range ps {
		if p.name == MetricsPort {
			return p, true
		}
	}
	if c.listens() {
		return ps[0], true
	}
	return podPort{}, false
}

// open reports whether every source may reach p: the primary port and the
// metrics port. Any other port admits only the callers its NetworkPolicy
// rules name.
func (c *compiler) open(p podPort) bool {
	return p.primary || p.name == MetricsPort
}
