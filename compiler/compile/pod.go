package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
)

func (c *compiler) podSpec() corev1.PodSpec {
	c.checkNames()
	spec := corev1.PodSpec{
		ServiceAccountName:            c.app.Metadata.Name,
		AutomountServiceAccountToken:  ptr(false),
		SecurityContext:               c.podSecurity(),
		Containers:                    []corev1.Container{c.container()},
		Volumes:                       append([]corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}, c.filesVolumes(1)...),
		TopologySpreadConstraints:     c.spread(),
		ImagePullSecrets:              c.pullSecrets(),
		TerminationGracePeriodSeconds: c.gracePeriod(),
	}
	c.addContainers(&spec)
	return spec
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

// containerSecurity is every container's securityContext, the app's and
// its sidecars' and init containers' alike.
func containerSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// tmpMount is the writable /tmp a read-only root filesystem leaves a
// container without; the pod's containers share the one emptyDir.
func tmpMount() []corev1.VolumeMount {
	return []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}
}

func (c *compiler) container() corev1.Container {
	s := c.app.Spec
	const ctr = "containers[0]"
	c.setPod(ctr+".image", "spec", "image")
	return corev1.Container{
		Name:            c.app.Metadata.Name,
		Image:           s.Image,
		Ports:           c.containerPorts(ctr, -1),
		Env:             c.env(ctr, s.Env, s.Secrets, c.dependencyEnv(), "spec"),
		Resources:       c.resources(ctr, s.Resources, "spec"),
		LivenessProbe:   c.probe("liveness", s.Health.Liveness),
		ReadinessProbe:  c.probe("readiness", s.Health.Readiness),
		StartupProbe:    c.startupProbe(),
		Lifecycle:       c.lifecycle(),
		SecurityContext: containerSecurity(),
		VolumeMounts:    append(tmpMount(), c.filesMounts(ctr, 1)...),
	}
}

// env lists plain and secret variables together, sorted by name, so the
// output does not depend on map order. ctr is the container's field, at
// the app field that holds env and secrets (spec, or a sidecar's). The
// app's own container also holds its dependencies' URLs (deps).
func (c *compiler) env(ctr string, env map[string]string, secrets map[string]app.SecretRef, deps map[string]Callee, at ...string) []corev1.EnvVar {
	names := slices.Sorted(maps.Keys(env))
	for _, n := range slices.Sorted(maps.Keys(secrets)) {
		if _, dup := env[n]; dup {
			c.finding(diag.Error, "build/env-conflict", fmt.Sprintf("%s is set in both env and secrets; keep one", n), under(at, "secrets", n)...)
			continue
		}
		names = append(names, n)
	}
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		if slices.Contains(names, n) {
			c.finding(diag.Error, "build/env-conflict", fmt.Sprintf(
				"%s holds the URL of %s (dependsOn) and is set in env or secrets too; keep one, or name another variable with env", n, deps[n].Name), dependencyPath(deps[n].Index, "env")...)
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	var out []corev1.EnvVar
	for i, n := range names {
		field := ctr + ".env[" + strconv.Itoa(i) + "]"
		if v, ok := env[n]; ok {
			out = append(out, corev1.EnvVar{Name: n, Value: v})
			c.setPod(field, under(at, "env", n)...)
			continue
		}
		if ref, ok := secrets[n]; ok {
			out = append(out, corev1.EnvVar{Name: n, ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: ref.Secret}, Key: ref.Key},
			}})
			c.setPod(field, under(at, "secrets", n)...)
			continue
		}
		out = append(out, corev1.EnvVar{Name: n, Value: deps[n].URL()})
		c.setDependencyEnv(field, deps[n])
	}
	return out
}

// under is the app path at followed by more.
func under(at []string, more ...string) []string {
	return append(slices.Clone(at), more...)
}

// resources are a container's requests and limits: the memory limit is
// the request unless memoryLimit says otherwise, and there is no CPU limit
// unless cpuLimit says one.
func (c *compiler) resources(ctr string, r app.Resources, at ...string) corev1.ResourceRequirements {
	res := ctr + ".resources"
	rr := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(r.CPU),
			corev1.ResourceMemory: resource.MustParse(r.Memory),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(or(r.MemoryLimit, r.Memory))},
	}
	c.setPod(res+".requests.cpu", under(at, "resources", "cpu")...)
	c.setPod(res+".requests.memory", under(at, "resources", "memory")...)
	c.setPod(res+".limits.memory", under(at, "resources", "memory")...)
	if r.MemoryLimit != "" {
		c.setPod(res+".limits.memory", under(at, "resources", "memoryLimit")...)
	}
	if r.CPULimit != "" {
		rr.Limits[corev1.ResourceCPU] = resource.MustParse(r.CPULimit)
		c.setPod(res+".limits.cpu", under(at, "resources", "cpuLimit")...)
	}
	// A limit below the request is the memory-limit-covers-request
	// guardrail's to report.
	return rr
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
