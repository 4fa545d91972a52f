package compile

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/version"

	corev1 "k8s.io/api/core/v1"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/diag"
)

// nativeSidecarsSince is the first Kubernetes minor version whose pods run
// native sidecars (init containers with restartPolicy Always) by default.
var nativeSidecarsSince = version.MajorMinor(1, 29)

// native reports whether the sidecars are native sidecars: init containers
// with restartPolicy Always, which start before the init containers and
// the app and stop after the app, so that a proxy or a log shipper sees
// the app's whole life (and a Job's pod completes when its app does).
// Before Kubernetes 1.29 they are plain containers beside the app's.
func (c *compiler) native() bool {
	if c.kubeVersion == "" {
		return true // the newest kiln ships
	}
	v, err := version.ParseGeneric(c.kubeVersion)
	if err != nil {
		return true // the version is validated where it is read
	}
	return v.AtLeast(nativeSidecarsSince)
}

// addContainers adds the sidecars and the init containers to spec. Native
// sidecars come first among the init containers, so that they serve the
// init containers too (a proxy a migration connects through); without
// them, the sidecars follow the app's container.
func (c *compiler) addContainers(spec *corev1.PodSpec) {
	s := c.app.Spec
	native := c.native()
	for i, k := range s.Sidecars {
		at := []string{"spec", "sidecars", strconv.Itoa(i)}
		if native {
			ctr := fmt.Sprintf("initContainers[%d]", len(spec.InitContainers))
			sc := c.extra(ctr, k, i, at)
			sc.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
			c.setPod(ctr+".restartPolicy", "spec", "sidecars")
			spec.InitContainers = append(spec.InitContainers, sc)
			continue
		}
		ctr := fmt.Sprintf("containers[%d]", len(spec.Containers))
		spec.Containers = append(spec.Containers, c.extra(ctr, k, i, at))
	}
	for i, k := range s.InitContainers {
		ctr := fmt.Sprintf("initContainers[%d]", len(spec.InitContainers))
		spec.InitContainers = append(spec.InitContainers, c.extra(ctr, k, -1, []string{"spec", "initContainers", strconv.Itoa(i)}))
	}
}

// extra is a sidecar (owner its index) or an init container (owner -1)
// at the pod's field ctr, from the app field at, with the app container's
// secure defaults: the same securityContext, a writable /tmp, and a memory
// limit.
func (c *compiler) extra(ctr string, k app.Container, owner int, at []string) corev1.Container {
	c.setPod(ctr, at...)
	c.setPod(ctr+".name", under(at, "name")...)
	c.setPod(ctr+".image", under(at, "image")...)
	if len(k.Command) > 0 {
		c.setPod(ctr+".command", under(at, "command")...)
	}
	if len(k.Args) > 0 {
		c.setPod(ctr+".args", under(at, "args")...)
	}
	var ports []corev1.ContainerPort
	if owner >= 0 {
		ports = c.containerPorts(ctr, owner)
	}
	return corev1.Container{
		Name:            k.Name,
		Image:           k.Image,
		Command:         k.Command,
		Args:            k.Args,
		Ports:           ports,
		Env:             c.env(ctr, k.Env, k.Secrets, nil, at...),
		Resources:       c.resources(ctr, k.Resources, at...),
		SecurityContext: containerSecurity(),
		VolumeMounts:    tmpMount(),
	}
}

// checkNames reports a sidecar or init container named as the app's
// container or as one before it: container names are unique in a pod.
func (c *compiler) checkNames() {
	s := c.app.Spec
	seen := map[string]string{c.app.Metadata.Name: "the app's own container's (metadata.name names it)"}
	check := func(list []app.Container, field, what string) {
		for i, k := range list {
			if first, dup := seen[k.Name]; dup {
				c.finding(diag.Error, "build/container-name", fmt.Sprintf(
					"container name %s is already %s: names are unique in a pod; call this %s something else", k.Name, first, what),
					"spec", field, strconv.Itoa(i), "name")
				continue
			}
			seen[k.Name] = fmt.Sprintf("%s[%d]'s", field, i)
		}
	}
	check(s.Sidecars, "sidecars", "sidecar")
	check(s.InitContainers, "initContainers", "init container")
}

// pullSecrets are spec.imagePullSecrets, in the order written.
func (c *compiler) pullSecrets() []corev1.LocalObjectReference {
	var out []corev1.LocalObjectReference
	for i, n := range c.app.Spec.ImagePullSecrets {
		c.setPod(fmt.Sprintf("imagePullSecrets[%d].name", i), "spec", "imagePullSecrets", strconv.Itoa(i))
		out = append(out, corev1.LocalObjectReference{Name: n})
	}
	return out
}
