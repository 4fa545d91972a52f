package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// portName names the app's port by its protocol, as Istio and Linkerd read it.
func (c *compiler) portName() string { return c.app.Spec.Protocol }

// listens reports whether the app has a port. One with protocol none (a
// queue worker) has none, so it gets no Service, no containerPort, no
// probes on a port, no ingress rule in its NetworkPolicy and no Ingress.
func (c *compiler) listens() bool { return c.app.Spec.Protocol != "none" }

// service lists every port of the pod (ports), by name, each sent to the
// same number on the pod.
func (c *compiler) service() runtime.Object {
	var ports []corev1.ServicePort
	for i, p := range c.ports() {
		f := "spec.ports[" + strconv.Itoa(i) + "]"
		c.set("Service", f+".port", p.at...)
		c.set("Service", f+".targetPort", p.at...)
		c.set("Service", f+".name", p.nameAt...)
		c.set("Service", f+".protocol", p.at...)
		ports = append(ports, corev1.ServicePort{Name: p.name, Port: p.port, TargetPort: intstr.FromInt32(p.port), Protocol: p.protocol})
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: c.meta("Service"),
		Spec:       corev1.ServiceSpec{Selector: c.selectorLabels(), Ports: ports},
	}
	if c.gets.service == "headless" {
		c.headless(svc)
	}
	return svc
}

// networkPolicy admits traffic to the pod's ports as ingressRules says; a
// pod without a port that admits anyone gets a policy with no ingress
// rule, which admits none.
func (c *compiler) networkPolicy() runtime.Object {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: c.meta("NetworkPolicy"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *c.selector(),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     c.ingressRules(),
		},
	}
	if np.Spec.Egress = c.egress(); np.Spec.Egress != nil {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	if len(np.Spec.Ingress) == 0 {
		c.set("NetworkPolicy", "spec.policyTypes", "spec", "protocol")
	}
	return np
}

// ingressRules are the NetworkPolicy's ingress rules, recorded at their
// fields. The primary port and the port named metrics admit every source,
// in one rule: the app's clients and Prometheus. Any other port admits no
// one unless a rule here names who may call it: the rules for the apps
// that name the port in their dependsOn belong here, after the first.
func (c *compiler) ingressRules() []networkingv1.NetworkPolicyIngressRule {
	var open []networkingv1.NetworkPolicyPort
	for _, p := range c.ports() {
		if !c.open(p) {
			continue
		}
		c.set("NetworkPolicy", "spec.ingress[0].ports["+strconv.Itoa(len(open))+"].port", p.at...)
		port := intstr.FromInt32(p.port)
		open = append(open, networkingv1.NetworkPolicyPort{Protocol: ptr(p.protocol), Port: &port})
	}
	if len(open) == 0 {
		return nil
	}
	return []networkingv1.NetworkPolicyIngressRule{{Ports: open}}
}

func (c *compiler) ingress() runtime.Object {
	in := c.app.Spec.Ingress
	if in == nil || !c.listens() { // the schema refuses an ingress without a port
		return nil
	}
	if in.Host == "" {
		c.finding(diag.Error, "build/ingress-host", "ingress has no host: this environment sets ingress fields but neither it nor the app names a host", "spec", "ingress")
	}
	const rule = "spec.rules[0]"
	c.set("Ingress", rule+".host", "spec", "ingress", "host")
	c.set("Ingress", rule+".http.paths[0].path", "spec", "ingress", "path")
	c.set("Ingress", rule+".http.paths[0].backend.service.port.number", "spec", "port")
	var tls []networkingv1.IngressTLS
	if in.TLS != nil {
		tls = []networkingv1.IngressTLS{{Hosts: []string{in.Host}, SecretName: in.TLS.SecretName}}
		c.set("Ingress", "spec.tls", "spec", "ingress", "tls")
		c.set("Ingress", "spec.tls[0].hosts[0]", "spec", "ingress", "host")
		c.set("Ingress", "spec.tls[0].secretName", "spec", "ingress", "tls", "secretName")
	}
	meta := c.meta("Ingress")
	// The app's annotations are for the controller and cert-manager; kiln's
	// own (the owner, the contact) are set on every object and win.
	for _, k := range slices.Sorted(maps.Keys(in.Annotations)) {
		if _, kilns := meta.Annotations[k]; kilns {
			c.finding(diag.Warning, "build/ingress-annotation", fmt.Sprintf(
				"%s is an annotation kiln sets on every object; this value is ignored", k), "spec", "ingress", "annotations", k)
			continue
		}
		meta.Annotations[k] = in.Annotations[k]
		c.set("Ingress", fieldpath.Join("metadata.annotations", k), "spec", "ingress", "annotations", k)
	}
	var class *string
	if in.ClassName != "" {
		class = ptr(in.ClassName)
		c.set("Ingress", "spec.ingressClassName", "spec", "ingress", "className")
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{IngressClassName: class, TLS: tls, Rules: []networkingv1.IngressRule{{
			Host: in.Host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path: in.Path, PathType: ptr(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: c.app.Metadata.Name, Port: networkingv1.ServiceBackendPort{Number: int32(c.app.Spec.Port)},
					}},
				}},
			}},
		}}},
	}
}
