package compile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// toObject converts a typed object into plain data and drops what the
// typed form adds but nobody writes: status, a null creationTimestamp and
// empty strategy and resources blocks.
func toObject(o runtime.Object) (Object, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return Object{}, err
	}
	delete(m, "status")
	prune(m)
	// A StatefulSet without a Service (an app without a port) names none;
	// its typed form writes serviceName: "" all the same.
	if spec, _ := m["spec"].(map[string]any); spec["serviceName"] == "" {
		delete(spec, "serviceName")
	}
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	return Object{APIVersion: apiVersion, Kind: kind, Name: name, Content: m}, nil
}

// prune removes null values, and empty mappings other than those whose
// presence means something (emptyDir: {} asks for a volume).
// meaningfulEmpty are the fields whose empty map says something:
// emptyDir: {} is a volume, and an empty label selector of a
// NetworkPolicy selects everything (namespaceSelector: {} every
// namespace, where none is the policy's own; podSelector: {} every pod).
var meaningfulEmpty = map[string]bool{"emptyDir": true, "namespaceSelector": true, "podSelector": true}

func prune(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(v)
			if len(v) == 0 && !meaningfulEmpty[k] {
				delete(m, k)
			}
		case []any:
			for _, item := range v {
				if im, ok := item.(map[string]any); ok {
					prune(im)
				}
			}
		}
	}
}

// YAML renders objects as one multi-document YAML stream.
func YAML(objs []Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		// yaml.v3 with a two-space indent and compact sequences writes what
		// kubectl writes, sorted by key, at half the cost of JSON-to-YAML.
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		enc.CompactSeqIndent()
		if err := enc.Encode(o.Content); err != nil {
			return nil, fmt.Errorf("%s: %v", o.Key(), err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("%s: %v", o.Key(), err)
		}
	}
	return buf.Bytes(), nil
}

// SameValue reports whether two values of object content are equal as JSON
// sees them: compile writes int64, while a value that went through
// kustomize may come back as int or float64.
func SameValue(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
