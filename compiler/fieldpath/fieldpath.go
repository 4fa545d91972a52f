// Package fieldpath converts between the ways kiln names a place inside a
// document: a list of elements (["spec", "patches", "0", "target"]), the
// field path people read (spec.patches[0].target), and the JSON pointer
// (/spec/patches/0/target) that JSON Schema validators report.
package fieldpath

import (
	"net/url"
	"strconv"
	"strings"
)

// String renders elements as a field path: spec.env.LOG_LEVEL, spec.patches[0].
// An element that is a decimal number is a list index.
func String(elems []string) string {
	var b strings.Builder
	for _, e := range elems {
		if isIndex(e) {
			b.WriteString("[" + e + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e)
	}
	return b.String()
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != "" && s[0] != '-' && s[0] != '+'
}

// Parse splits a field path into its elements: "a.b[0].c" → a, b, 0, c.
// A key that itself holds dots (a label such as app.kubernetes.io/name)
// cannot be addressed this way; kiln's own paths never need one.
func Parse(path string) []string {
	if path == "" {
		return nil
	}
	var out []string
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			j := strings.IndexByte(part, ']')
			if i < 0 || j < i {
				out = append(out, part)
				break
			}
			if i > 0 {
				out = append(out, part[:i])
			}
			out = append(out, part[i+1:j])
			part = part[j+1:]
		}
	}
	return out
}

// FromPointer splits a JSON pointer (RFC 6901) into elements. It also
// undoes the percent-encoding of a URI fragment, which is how
// santhosh-tekuri/jsonschema reports instance locations.
func FromPointer(p string) []string {
	p = strings.TrimPrefix(p, "#")
	if p == "" || p == "/" {
		return nil
	}
	r := pointerUnescaper
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i := range parts {
		if u, err := url.PathUnescape(parts[i]); err == nil {
			parts[i] = u
		}
		parts[i] = r.Replace(parts[i])
	}
	return parts
}

// Resolve returns the value at elems inside plain data (maps and lists as
// encoding/json decodes them), and whether it exists.
func Resolve(v any, elems []string) (any, bool) {
	for _, e := range elems {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[e]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(e)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// pointerUnescaper undoes a JSON pointer's escapes; built once, as a
// Replacer's first use builds its tables.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
