package team

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/config"
)

// Object names, the same in every team namespace.
const (
	QuotaName       = "team"
	LimitRangeName  = "team-defaults"
	DenyPolicyName  = "default-deny"
	bindingPrefix   = "team-"
	defaultOwnerKey = "kiln.dev/owner"
)

// objects are the objects of the namespaces of one environment, sorted
// by namespace.
func objects(t *config.Teams, o Options, d Defaults, spaces map[string]*namespace) ([]compile.Object, error) {
	var out []compile.Object
	for _, name := range slices.Sorted(maps.Keys(spaces)) {
		s := spaces[name]
		for _, obj := range namespaceObjects(t, o, d, s) {
			c, err := toObject(obj)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func namespaceObjects(t *config.Teams, o Options, d Defaults, s *namespace) []runtime.Object {
	labels := map[string]string{cmp.Or(o.OwnerLabel, defaultOwnerKey): s.owner, "app.kubernetes.io/managed-by": "kiln"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: s.name, Labels: labels}
	}
	hard := corev1.ResourceList{}
	for k, q := range Hard(s.usage, t.Headroom) {
		hard[corev1.ResourceName(k)] = q
	}
	group := s.owner
	if g, ok := t.Groups[s.owner]; ok {
		group = g.Value
	}
	types := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if t.DenyEgress {
		types = append(types, networkingv1.PolicyTypeEgress)
	}
	return []runtime.Object{
		&corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: s.name, Labels: labels},
		},
		&corev1.ResourceQuota{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
			ObjectMeta: meta(QuotaName),
			Spec:       corev1.ResourceQuotaSpec{Hard: hard},
		},
		&corev1.LimitRange{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
			ObjectMeta: meta(LimitRangeName),
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:           corev1.LimitTypeContainer,
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: d.CPU, corev1.ResourceMemory: d.Memory},
				Default:        corev1.ResourceList{corev1.ResourceMemory: d.MemoryLimit},
			}}},
		},
		&rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: meta(bindingPrefix + t.Role),
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: group}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: t.Role},
		},
		&networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta(DenyPolicyName),
			Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, PolicyTypes: types},
		},
	}
}

// toObject converts a typed object into plain data, without what the
// typed form adds but nobody writes: status and a null creationTimestamp.
func toObject(o runtime.Object) (compile.Object, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return compile.Object{}, err
	}
	delete(m, "status")
	if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(m, "spec") // a Namespace's: nobody writes it
	}
	meta, _ := m["metadata"].(map[string]any)
	delete(meta, "creationTimestamp")
	name, _ := meta["name"].(string)
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	return compile.Object{APIVersion: apiVersion, Kind: kind, Name: name, Content: m}, nil
}

// quantity is for tests and messages: q as written.
func quantity(s string) resource.Quantity { return resource.MustParse(s) }
