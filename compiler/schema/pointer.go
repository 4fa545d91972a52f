package schema

import (
	"strconv"
	"strings"
)

// resolve follows a JSON pointer (RFC 6901) from node.
func resolve(root, node any, pointer string) any {
	pointer = strings.TrimPrefix(pointer, "#")
	if pointer == "" {
		return node
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			node = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			node = n[i]
		default:
			return nil
		}
	}
	return node
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
		target, _ := resolve(root, root, ref).(map[string]any)
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
