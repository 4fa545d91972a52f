package compile

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// A Callee is an app this app calls (spec.dependsOn[Index]), resolved
// across the repository by build, as the environment compiled sees it.
type Callee struct {
	Index     int    // of the dependency in spec.dependsOn
	Name      string // the callee's metadata.name, which its Service and pod labels carry
	Namespace string // the callee's namespace in this environment; "" when it names none
	Port      int32  // the port called
	Transport string // TCP or UDP
	// Scheme is how the URL is written: http for an HTTP port, dns for
	// gRPC (the name-resolution URI gRPC clients take), tcp or udp
	// otherwise.
	Scheme string
	Env    string // the variable that holds the URL
}

// Host is the callee's Service as a DNS name a pod resolves: short in the
// caller's namespace, <name>.<namespace>.svc across namespaces (the pod's
// resolver appends the cluster's domain, so kiln need not know it).
func (d Callee) Host() string {
	if d.Namespace == "" {
		return d.Name
	}
	return d.Name + "." + d.Namespace + ".svc"
}

// URL is the in-cluster URL the caller's variable holds.
func (d Callee) URL() string {
	hostPort := net.JoinHostPort(d.Host(), strconv.Itoa(int(d.Port)))
	if d.Scheme == "dns" {
		return "dns:///" + hostPort
	}
	return d.Scheme + "://" + hostPort
}

// dependencyPath is the app field of dependency i.
func dependencyPath(i int, field ...string) []string {
	return append([]string{"spec", "dependsOn", strconv.Itoa(i)}, field...)
}

// dependencyEnv is, by name, the variables that hold the callees' URLs.
func (c *compiler) dependencyEnv() map[string]Callee {
	out := map[string]Callee{}
	for _, d := range c.callees {
		out[d.Env] = d
	}
	return out
}

// Egress destinations every caller keeps: the cluster's DNS, and
// addresses outside the private ranges a cluster's pods and services live
// in. Declared dependencies close the rest of the cluster to the app.
var (
	dnsPeer = networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{},
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
	}
	privateV4 = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"}
	privateV6 = []string{"fc00::/7", "fe80::/10"}
)

// egress is the NetworkPolicy's egress when the app declares its
// dependencies: each callee's pods on the port called, DNS, and the
// internet; nil when it declares none, which leaves egress open.
func (c *compiler) egress() []networkingv1.NetworkPolicyEgressRule {
	if len(c.callees) == 0 {
		return nil
	}
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	dns := intstr.FromInt32(53)
	rules := []networkingv1.NetworkPolicyEgressRule{
		{To: []networkingv1.NetworkPolicyPeer{dnsPeer}, Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}, {Protocol: &tcp, Port: &dns}}},
		{To: []networkingv1.NetworkPolicyPeer{
			{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: privateV4}},
			{IPBlock: &networkingv1.IPBlock{CIDR: "::/0", Except: privateV6}},
		}},
	}
	c.set("NetworkPolicy", "spec.policyTypes", "spec", "dependsOn")
	c.set("NetworkPolicy", "spec.egress", "spec", "dependsOn")
	for _, d := range c.callees {
		i := len(rules)
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{c.peer(d.Name, d.Namespace)},
			Ports: []networkingv1.NetworkPolicyPort{transportPort(d.Transport, d.Port)},
		})
		field := "spec.egress[" + strconv.Itoa(i) + "]"
		c.set("NetworkPolicy", field, dependencyPath(d.Index, "app")...)
		c.set("NetworkPolicy", field+".ports[0].port", dependencyPath(d.Index, "port")...)
	}
	return rules
}

// peer selects the pods of app name in namespace ns: any namespace's when
// ns is unknown (""), which the app's own labels still narrow to its pods.
func (c *compiler) peer(name, ns string) networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: podsOf(name)}}
	switch {
	case ns != "":
		p.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	case c.app.Metadata.Namespace != "":
		// The caller's namespace is known and the callee's is not: the
		// callee may be anywhere.
		p.NamespaceSelector = &metav1.LabelSelector{}
	}
	return p
}

func transportPort(transport string, port int32) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(port)
	proto := corev1.Protocol(transport)
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p}
}

// AnnotAdmits marks a NetworkPolicy kiln emits with a caller to admit it
// at a callee's pods, which the caller's manifests do not hold: the
// dangling-network-policy guardrail leaves such a policy alone.
const AnnotAdmits = "kiln.dev/admits-caller"

// admissions are the NetworkPolicies, one per callee, that admit this app
// at the callee's pods on the ports it calls, in the callee's namespace.
// NetworkPolicies add up, so the call is admitted whatever the callee's
// own policy admits: the caller's definition is the one place that says
// it calls.
func (c *compiler) admissions() []runtime.Object {
	byCallee := map[string][]Callee{}
	for _, d := range c.callees {
		byCallee[d.Name] = append(byCallee[d.Name], d)
	}
	var out []runtime.Object
	for _, name := range slices.Sorted(maps.Keys(byCallee)) {
		out = append(out, c.admission(byCallee[name]))
	}
	return out
}

func (c *compiler) admission(ds []Callee) runtime.Object {
	callee := ds[0]
	name := callee.Name + "-from-" + c.app.Metadata.Name
	key := sourcemap.ObjectKey("NetworkPolicy", name)
	meta := c.meta("NetworkPolicy")
	meta.Name = name
	meta.Namespace = callee.Namespace
	meta.Annotations[AnnotAdmits] = c.app.Metadata.Name
	c.origins.Set(key, "metadata", dependencyPath(callee.Index)...)
	c.origins.Set(key, "metadata.name", dependencyPath(callee.Index, "app")...)
	c.origins.Set(key, "metadata.namespace", dependencyPath(callee.Index, "app")...)
	c.origins.Set(key, "spec", dependencyPath(callee.Index)...)
	from := c.peer(c.app.Metadata.Name, c.app.Metadata.Namespace)
	if c.app.Metadata.Namespace == "" && callee.Namespace != "" {
		// The callee's namespace is known and this app's is not.
		from.NamespaceSelector = &metav1.LabelSelector{}
	}
	var ports []networkingv1.NetworkPolicyPort
	for i, d := range ds {
		ports = append(ports, transportPort(d.Transport, d.Port))
		c.origins.Set(key, fmt.Sprintf("spec.ingress[0].ports[%d].port", i), dependencyPath(d.Index, "port")...)
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta,
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: podsOf(callee.Name)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{from}, Ports: ports}},
		},
	}
}

// setDependencyEnv records where the variable holding d's URL came from.
func (c *compiler) setDependencyEnv(field string, d Callee) {
	c.setPod(field, dependencyPath(d.Index, "env")...)
	c.setPod(field+".value", dependencyPath(d.Index, "app")...)
}
