package apiversions

import (
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/schemas/kube"
)

// served returns the kinds each embedded schema pack serves, by minor
// version, leaving out what no one writes as an object: the List kinds
// and the DeleteOptions and WatchEvent every group version has.
func served(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, v := range kube.Versions() {
		doc, err := kube.Open(v)
		if err != nil {
			t.Fatal(err)
		}
		out[v] = map[string]bool{}
		for gvk := range doc.Kinds {
			kind := gvk[strings.LastIndex(gvk, "/")+1:]
			if strings.HasSuffix(kind, "List") || kind == "DeleteOptions" || kind == "WatchEvent" {
				continue
			}
			out[v][gvk] = true
		}
	}
	return out
}

// A kind that one pack serves and the next does not is in the table,
// removed in the next.
func TestTableHasEveryRemovalBetweenPacks(t *testing.T) {
	packs := served(t)
	vs := kube.Versions()
	for i := 0; i+1 < len(vs); i++ {
		for gvk := range packs[vs[i]] {
			if packs[vs[i+1]][gvk] {
				continue
			}
			k := strings.LastIndex(gvk, "/")
			a, ok := Lookup(gvk[:k], gvk[k+1:])
			if !ok || a.Removed != vs[i+1] {
				t.Errorf("%s: served by Kubernetes %s, not by %s; the table has %+v (found %v)", gvk, vs[i], vs[i+1], a, ok)
			}
		}
	}
}

// Every entry agrees with the packs: removed at or before the oldest
// pack, it is in none; removed later, it is served before its removal
// (from its introduction, when a pack introduced it) and not from it;
// deprecated and not removed, every pack serves it.
func TestTableAgreesWithPacks(t *testing.T) {
	packs := served(t)
	for _, a := range All() {
		for _, v := range kube.Versions() {
			has := packs[v][a.key()]
			if !a.ServedIn(v) && has {
				t.Errorf("%s is not served by Kubernetes %s by the table (introduced %q, removed %q), but the pack serves it", a.key(), v, a.Introduced, a.Removed)
			}
			if a.ServedIn(v) && !has {
				t.Errorf("%s is served by Kubernetes %s by the table (introduced %q, removed %q), but the pack has no such kind", a.key(), v, a.Introduced, a.Removed)
			}
		}
	}
}

// Every replacement is served by the newest Kubernetes kiln knows, so the
// advice can be followed.
func TestReplacementsAreServed(t *testing.T) {
	newest := served(t)[kube.Default()]
	for _, a := range All() {
		if a.Replacement == "" {
			if a.Note == "" {
				t.Errorf("%s: neither a replacement nor a note", a.key())
			}
			continue
		}
		kind := a.Kind
		if a.ReplacementKind != "" {
			kind = a.ReplacementKind
		}
		if !newest[a.Replacement+"/"+kind] {
			t.Errorf("%s: replacement %s %s is not served by Kubernetes %s", a.key(), a.Replacement, kind, kube.Default())
		}
		if a.Deprecated != "" && a.Removed != "" && Compare(a.Deprecated, a.Removed) >= 0 {
			t.Errorf("%s: deprecated in %s, not before its removal in %s", a.key(), a.Deprecated, a.Removed)
		}
	}
}

func TestMessages(t *testing.T) {
	pdb, _ := Lookup("policy/v1beta1", "PodDisruptionBudget")
	vac, _ := Lookup("storage.k8s.io/v1beta1", "VolumeAttributesClass")
	eps, _ := Lookup("v1", "Endpoints")
	for _, c := range []struct {
		a       API
		version string
		want    string
	}{
		{pdb, "1.34", "policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1"},
		{vac, "1.33", ""},
		{vac, "1.35", "storage.k8s.io/v1beta1 VolumeAttributesClass is deprecated since Kubernetes 1.34 and removed in 1.37; use storage.k8s.io/v1"},
		{vac, "1.37", "storage.k8s.io/v1beta1 VolumeAttributesClass was removed in Kubernetes 1.37; use storage.k8s.io/v1"},
		{eps, "1.36", "v1 Endpoints is deprecated since Kubernetes 1.33; use discovery.k8s.io/v1 EndpointSlice"},
	} {
		if got := c.a.Message(c.version); got != c.want {
			t.Errorf("%s at %s: got %q, want %q", c.a.key(), c.version, got, c.want)
		}
	}
	if _, ok := Lookup("apps/v1", "Deployment"); ok {
		t.Error("apps/v1 Deployment is in the table")
	}
}

func TestCompare(t *testing.T) {
	vs := []string{"1.37", "1.9", "1.25", "1.16", "v1.10"}
	slices.SortFunc(vs, Compare)
	if want := []string{"1.9", "v1.10", "1.16", "1.25", "1.37"}; !slices.Equal(vs, want) {
		t.Errorf("sorted %v, want %v", vs, want)
	}
}
