package compile

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
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
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	return Object{APIVersion: apiVersion, Kind: kind, Name: name, Content: m}, nil
}

// prune removes null values, and empty mappings other than those whose
// presence means something (emptyDir: {} asks for a volume).
func prune(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(v)
			if len(v) == 0 && k != "emptyDir" {
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
		b, err := yaml.Marshal(o.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", o.Key(), err)
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
