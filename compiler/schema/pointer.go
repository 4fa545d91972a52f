package schema

import (
	"github.com/kilnhq/kiln/compiler/fieldpath"
)

// resolve follows a JSON pointer (RFC 6901) from node.
func resolve(node any, pointer string) any {
	v, _ := fieldpath.Resolve(node, fieldpath.FromPointer(pointer))
	return v
}

// deref follows a local "$ref" of a schema object, as the generator writes
// them for CUE definitions, merging the referring object's own keywords
// (such as its description) over the target's.
func deref(root any, n map[string]any) map[string]any {
	for range 16 { // refs never chain deeper; the bound only guards a broken file
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		target, _ := resolve(root, ref).(map[string]any)
		merged := map[string]any{}
		for k, v := range target {
			merged[k] = v
		}
		for k, v := range n {
			if k != "$ref" {
				merged[k] = v
			}
		}
		n = merged
	}
	return n
}
