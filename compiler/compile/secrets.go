package compile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// ExternalSecretAPI is the apiVersion of the ExternalSecrets kiln writes:
// the newest the External Secrets Operator serves (schemas/kube's CRDs).
const ExternalSecretAPI = "external-secrets.io/v1"

// externalSecrets makes one ExternalSecret per entry of
// spec.externalSecrets, sorted by name: the operator creates, and owns,
// the Secret of that name from the store's remote keys.
func (c *compiler) externalSecrets() []runtime.Object {
	es := c.app.Spec.ExternalSecrets
	var out []runtime.Object
	for _, name := range slices.Sorted(maps.Keys(es)) {
		e := es[name]
		at := []string{"spec", "externalSecrets", name}
		meta, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ptr(c.metaNamed("ExternalSecret", name)))
		if err != nil {
			panic(fmt.Sprintf("object metadata: %v", err)) // plain strings: cannot happen
		}
		c.setIn("ExternalSecret", name, "metadata.name", at...)
		c.setIn("ExternalSecret", name, "spec", at...)
		c.setIn("ExternalSecret", name, "spec.secretStoreRef.name", append(at, "store")...)
		c.setIn("ExternalSecret", name, "spec.secretStoreRef.kind", append(at, "storeKind")...)
		c.setIn("ExternalSecret", name, "spec.refreshInterval", append(at, "refreshInterval")...)
		c.setIn("ExternalSecret", name, "spec.target.name", at...)
		var data []any
		for i, key := range slices.Sorted(maps.Keys(e.Data)) {
			r := e.Data[key]
			ref := map[string]any{"key": r.Key}
			if r.Property != "" {
				ref["property"] = r.Property
			}
			if r.Version != "" {
				ref["version"] = r.Version
			}
			data = append(data, map[string]any{"secretKey": key, "remoteRef": ref})
			c.setIn("ExternalSecret", name, "spec.data["+strconv.Itoa(i)+"]", append(at, "data", key)...)
		}
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": ExternalSecretAPI,
			"kind":       "ExternalSecret",
			"metadata":   meta,
			"spec": map[string]any{
				"secretStoreRef":  map[string]any{"name": e.Store, "kind": e.StoreKind},
				"refreshInterval": e.RefreshInterval,
				"target":          map[string]any{"name": name, "creationPolicy": "Owner"},
				"data":            data,
			},
		}})
	}
	return out
}

// secretsFromExternal checks that each spec.secrets entry that reads a
// Secret of spec.externalSecrets names a key that ExternalSecret fills:
// any other key would never exist, and the pod would not start.
func (c *compiler) secretsFromExternal() {
	s := c.app.Spec
	for _, n := range slices.Sorted(maps.Keys(s.Secrets)) {
		ref := s.Secrets[n]
		es, ok := s.ExternalSecrets[ref.Secret]
		if !ok {
			continue
		}
		if _, ok := es.Data[ref.Key]; ok {
			continue
		}
		keys := slices.Sorted(maps.Keys(es.Data))
		c.finding(diag.Error, "build/external-secret-key", fmt.Sprintf(
			"secret %s is filled by spec.externalSecrets, whose data has no key %q; use one of %s, or add it to %s",
			ref.Secret, ref.Key, strings.Join(keys, ", "), fieldpath.String([]string{"spec", "externalSecrets", ref.Secret, "data"})),
			"spec", "secrets", n, "key")
	}
}
