package team

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/buildtest"
)

// A pod, for the policies: its namespace and labels.
type pod struct {
	ns     string
	labels map[string]string
}

func appPod(ns, name string) pod {
	return pod{ns, map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}}
}

// allowed says whether policies let traffic from src reach dst on TCP
// port, as NetworkPolicy defines it: a direction is open to a pod that no
// policy of that type selects, and otherwise to what one of the policies
// that select it admits; a connection needs both src's egress and dst's
// ingress.
func allowed(t *testing.T, policies []networkingv1.NetworkPolicy, src, dst pod, port int32) bool {
	in := open(t, policies, dst, networkingv1.PolicyTypeIngress, func(np networkingv1.NetworkPolicy) bool {
		for _, r := range np.Spec.Ingress {
			if portsMatch(r.Ports, port) && peersMatch(t, r.From, np.Namespace, src) {
				return true
			}
		}
		return false
	})
	out := open(t, policies, src, networkingv1.PolicyTypeEgress, func(np networkingv1.NetworkPolicy) bool {
		for _, r := range np.Spec.Egress {
			if portsMatch(r.Ports, port) && peersMatch(t, r.To, np.Namespace, dst) {
				return true
			}
		}
		return false
	})
	return in && out
}

func open(t *testing.T, policies []networkingv1.NetworkPolicy, p pod, typ networkingv1.PolicyType, admits func(networkingv1.NetworkPolicy) bool) bool {
	selected := false
	for _, np := range policies {
		if np.Namespace != p.ns || !slices.Contains(np.Spec.PolicyTypes, typ) || !matches(t, &np.Spec.PodSelector, p.labels) {
			continue
		}
		selected = true
		if admits(np) {
			return true
		}
	}
	return !selected
}

func portsMatch(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	return slices.ContainsFunc(ports, func(p networkingv1.NetworkPolicyPort) bool {
		return (p.Protocol == nil || *p.Protocol == "TCP") && (p.Port == nil || p.Port.IntValue() == int(port))
	})
}

// peersMatch: no peer admits everyone; a peer's podSelector alone means
// the policy's namespace; a namespaceSelector selects by the namespace's
// kubernetes.io/metadata.name label.
func peersMatch(t *testing.T, peers []networkingv1.NetworkPolicyPeer, policyNS string, p pod) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		if peer.IPBlock != nil {
			continue // addresses outside the cluster's pods
		}
		nsOK := p.ns == policyNS
		if peer.NamespaceSelector != nil {
			nsOK = matches(t, peer.NamespaceSelector, map[string]string{"kubernetes.io/metadata.name": p.ns})
		}
		if nsOK && (peer.PodSelector == nil || matches(t, peer.PodSelector, p.labels)) {
			return true
		}
	}
	return false
}

func matches(t *testing.T, s *metav1.LabelSelector, l map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel.Matches(labels.Set(l))
}

func policiesOf(t *testing.T, objs []compile.Object) []networkingv1.NetworkPolicy {
	var out []networkingv1.NetworkPolicy
	for _, o := range objs {
		if o.Kind != "NetworkPolicy" {
			continue
		}
		var np networkingv1.NetworkPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &np); err != nil {
			t.Fatal(err)
		}
		out = append(out, np)
	}
	return out
}

// TestDefaultDenyKeepsDeclaredTraffic: with the team namespaces'
// default-deny policies beside examples/shop's own, what the apps declare
// still flows (storefront calls payments' port and, as it declares,
// payments' admin port), and what nobody declared does not (another pod
// calling the admin port; any pod of a team namespace that no app's policy
// selects). With denyEgress, an app whose policy governs no egress would
// lose everything, and is reported.
func TestDefaultDenyKeepsDeclaredTraffic(t *testing.T) {
	var apps []App
	var objs []compile.Object
	for _, name := range []string{"payments", "storefront"} {
		def := filepath.Join("..", "..", "examples", "shop", name, "kiln.yaml")
		res := buildtest.Build(t, def, nil, build.Options{Emit: build.Artifacts{K8s: true}}, nil)
		src, _ := os.ReadFile(def)
		doc, _ := load.Load(source.NewFile(def, src), load.Options{})
		apps = append(apps, Measure(doc, res))
		for _, e := range res.Envs {
			if e.Name == "prod" {
				objs = append(objs, e.Objects...)
			}
		}
	}
	plan, err := Make(apps, Options{Emit: true})
	if err != nil || len(plan.Findings) > 0 {
		t.Fatalf("%v %+v", err, plan.Findings)
	}
	derived := plan.Envs[0].Objects // prod
	own := policiesOf(t, objs)
	all := policiesOf(t, append(slices.Clone(objs), derived...))
	if len(all) != len(own)+2 {
		t.Fatalf("%d policies, %d of the apps", len(all), len(own))
	}
	storefront, payments := appPod("shop", "storefront"), appPod("payments", "payments")
	stranger, debug := appPod("shop", "stranger"), pod{"payments", map[string]string{"run": "debug"}}
	for _, c := range []struct {
		name     string
		src, dst pod
		port     int32
		want     bool
	}{
		{"storefront calls payments", storefront, payments, 8080, true},
		{"storefront calls payments' admin port, as it declares", storefront, payments, 9000, true},
		{"a pod that declared nothing calls payments' admin port", stranger, payments, 9000, false},
		{"anyone calls storefront's port", stranger, storefront, 8080, true},
		{"a pod no app's policy selects is closed", stranger, debug, 8080, false},
	} {
		if got := allowed(t, all, c.src, c.dst, c.port); got != c.want {
			t.Errorf("%s: allowed %v, want %v", c.name, got, c.want)
		}
	}
	// Without the default-deny, the pod nobody declared would be open:
	// the derived policy is what closes it.
	if !allowed(t, own, stranger, debug, 8080) {
		t.Error("the apps' own policies already close the debug pod; the test proves nothing")
	}
	tm := config.DefaultTeams()
	tm.DenyEgress = true
	plan, _ = Make(apps, Options{Teams: tm, Emit: true})
	if len(plan.Findings) != 1 || plan.Findings[0].Code != RuleNamespace || !strings.Contains(plan.Findings[0].Message, "app payments off from DNS") {
		t.Fatalf("denyEgress: %+v", plan.Findings)
	}
	denyAll := policiesOf(t, append(slices.Clone(objs), plan.Envs[0].Objects...))
	if !allowed(t, denyAll, storefront, payments, 9000) {
		t.Error("denyEgress closes what storefront declares")
	}
	if allowed(t, denyAll, payments, storefront, 8080) {
		t.Error("denyEgress leaves payments' egress open")
	}
}
