package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kilnhq/kiln/compiler/diag"
)

func (c *compiler) podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName:           c.app.Metadata.Name,
		AutomountServiceAccountToken: ptr(false),
		SecurityContext:              c.podSecurity(),
		Containers:                   []corev1.Container{c.container()},
		Volumes:                      append([]corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}, c.filesVolumes(1)...),
		TopologySpreadConstraints:    c.spread(),
	}
}

// podSecurity runs the pod as spec.runAs's numeric user. runAsNonRoot
// alone is not enough: the kubelet refuses to start a container whose
// image names its user (USER node) when no runAsUser says the number,
// as it cannot verify that the name is not root.
func (c *compiler) podSecurity() *corev1.PodSecurityContext {
	r := c.app.Spec.RunAs
	c.setPod("securityContext.runAsUser", "spec", "runAs", "user")
	c.setPod("securityContext.runAsGroup", "spec", "runAs", "group")
	c.setPod("securityContext.fsGroup", "spec", "runAs", "fsGroup")
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(r.User),
		RunAsGroup:     ptr(r.Group),
		FSGroup:        ptr(r.FSGroup),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func (c *compiler) container() corev1.Container {
	s := c.app.Spec
	const ctr = "containers[0]"
	c.setPod(ctr+".image", "spec", "image")
	var ports []corev1.ContainerPort
	if c.listens() {
		ports = []corev1.ContainerPort{{Name: c.portName(), ContainerPort: int32(s.Port), Protocol: corev1.ProtocolTCP}}
		c.setPod(ctr+".ports[0].containerPort", "spec", "port")
		c.setPod(ctr+".ports[0].name", "spec", "protocol")
	}
	return corev1.Container{
		Name:           c.app.Metadata.Name,
		Image:          s.Image,
		Ports:          ports,
		Env:            c.env(),
		Resources:      c.resources(),
		LivenessProbe:  c.probe("liveness", s.Health.Liveness),
		ReadinessProbe: c.probe("readiness", s.Health.Readiness),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr(true),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts: append([]corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}, c.filesMounts(ctr, 1)...),
	}
}

// env lists plain and secret variables together, sorted by name, so the
// output does not depend on map order.
func (c *compiler) env() []corev1.EnvVar {
	s := c.app.Spec
	names := slices.Sorted(maps.Keys(s.Env))
	for n := range s.Secrets {
		if _, dup := s.Env[n]; dup {
			c.finding(diag.Error, "build/env-conflict", fmt.Sprintf("%s is set in both env and secrets; keep one", n), "spec", "secrets", n)
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	var out []corev1.EnvVar
	for i, n := range names {
		field := "containers[0].env[" + strconv.Itoa(i) + "]"
		if v, ok := s.Env[n]; ok {
			out = append(out, corev1.EnvVar{Name: n, Value: v})
			c.setPod(field, "spec", "env", n)
			continue
		}
		ref := s.Secrets[n]
		out = append(out, corev1.EnvVar{Name: n, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Secret}, Key: ref.Key},
		}})
		c.setPod(field, "spec", "secrets", n)
	}
	return out
}

func (c *compiler) resources() corev1.ResourceRequirements {
	r := c.app.Spec.Resources
	const res = "containers[0].resources"
	rr := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(r.CPU),
			corev1.ResourceMemory: resource.MustParse(r.Memory),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(or(r.MemoryLimit, r.Memory))},
	}
	c.setPod(res+".requests.cpu", "spec", "resources", "cpu")
	c.setPod(res+".requests.memory", "spec", "resources", "memory")
	c.setPod(res+".limits.memory", "spec", "resources", "memory")
	if r.MemoryLimit != "" {
		c.setPod(res+".limits.memory", "spec", "resources", "memoryLimit")
	}
	if r.CPULimit != "" {
		rr.Limits[corev1.ResourceCPU] = resource.MustParse(r.CPULimit)
		c.setPod(res+".limits.cpu", "spec", "resources", "cpuLimit")
	}
	// A limit below the request is the memory-limit-covers-request
	// guardrail's to report.
	return rr
}

// probe checks the app with health.command when it is set, else on its one
// port, the way its protocol allows. An app without a port and without a
// command has no probe: kiln knows of no check that would tell.
func (c *compiler) probe(kind, path string) *corev1.Probe {
	s := c.app.Spec
	field := "containers[0]." + kind + "Probe"
	var h corev1.ProbeHandler
	switch {
	case len(s.Health.Command) > 0:
		h.Exec = &corev1.ExecAction{Command: s.Health.Command}
		c.setPod(field, "spec", "health", "command")
		return &corev1.Probe{ProbeHandler: h}
	case !c.listens():
		c.setPod(field, "spec", "protocol") // why there is none
		return nil
	}
	switch s.Protocol {
	case "grpc":
		h.GRPC = &corev1.GRPCAction{Port: int32(s.Port)}
		c.setPod(field+".grpc.port", "spec", "port")
	case "tcp":
		h.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".tcpSocket.port", "spec", "port")
	default:
		h.HTTPGet = &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(int32(s.Port))}
		c.setPod(field+".httpGet.port", "spec", "port")
		c.setPod(field+".httpGet.path", "spec", "health", kind)
	}
	c.setPod(field, "spec", "protocol")
	return &corev1.Probe{ProbeHandler: h}
}

// spread keeps replicas apart as the SLA tier asks: over nodes, then zones.
func (c *compiler) spread() []corev1.TopologySpreadConstraint {
	c.setPod("topologySpreadConstraints", "spec", "sla", "availability")
	var out []corev1.TopologySpreadConstraint
	for _, sp := range []struct{ key, when string }{
		{"kubernetes.io/hostname", c.tier.HostSpread},
		{"topology.kubernetes.io/zone", c.tier.ZoneSpread},
	} {
		if sp.when == "" || c.minRepl < 2 {
			continue
		}
		out = append(out, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: sp.key, WhenUnsatisfiable: corev1.UnsatisfiableConstraintAction(sp.when),
			LabelSelector: c.selector(),
		})
	}
	return out
}
