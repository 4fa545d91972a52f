package apptest

import (
	"fmt"
	"strconv"
	"strings"
)

// A step is one element of a path: a field, a list index, or a list
// element picked by one of its fields ([name=checkout]).
type step struct {
	field      string
	index      int // -1 unless a list index
	key, value string
}

// parsePath reads the path syntax of test assertions:
//
//	spec.template.spec.containers[0].ports[0].containerPort
//	spec.template.spec.containers[name=checkout].image
//	metadata.labels["app.kubernetes.io/name"]
//
// A field is a name; [N] indexes a list; [KEY=VALUE] picks the list element
// whose KEY is VALUE; ["..."] is a field whose name holds dots or other
// punctuation. The empty path is the whole document.
func parsePath(p string) ([]step, error) {
	var out []step
	i := 0
	for i < len(p) {
		switch p[i] {
		case '.':
			switch {
			case i == 0 || i == len(p)-1:
				return nil, fmt.Errorf("a path does not start or end with '.'")
			case p[i+1] == '.':
				return nil, fmt.Errorf("empty field name between '..'")
			case p[i+1] == '[':
				return nil, fmt.Errorf("'.[' has no field name; write a[0], not a.[0]")
			}
			i++
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if strings.HasPrefix(p[i:], `["`) {
				end = strings.Index(p[i:], `"]`)
				if end < 0 {
					return nil, fmt.Errorf(`unclosed ["...`)
				}
				name := p[i+2 : i+end]
				if name == "" || strings.Contains(name, `"`) {
					return nil, fmt.Errorf(`["%s"] is not a field name`, name)
				}
				out = append(out, step{field: name, index: -1})
				i += end + 2
			} else {
				if end < 0 {
					return nil, fmt.Errorf("unclosed [")
				}
				inner := p[i+1 : i+end]
				if k, v, ok := strings.Cut(inner, "="); ok {
					if k == "" || v == "" || strings.ContainsAny(inner, " \t\"[") {
						return nil, fmt.Errorf("[%s] is not KEY=VALUE (no spaces, quotes or empty sides)", inner)
					}
					out = append(out, step{index: -1, key: k, value: v})
				} else if n, err := strconv.Atoi(inner); err == nil && n >= 0 && inner == strconv.Itoa(n) {
					out = append(out, step{index: n})
				} else {
					return nil, fmt.Errorf("[%s] is neither an index nor KEY=VALUE", inner)
				}
				i += end + 1
			}
			if i < len(p) && p[i] != '.' && p[i] != '[' {
				return nil, fmt.Errorf("']' is followed by %q; write a[0].b or a[0][1]", p[i])
			}
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				if strings.IndexByte("]\" \t", p[j]) >= 0 {
					return nil, fmt.Errorf("%q in a field name; write [\"...\"] for a name that holds punctuation", p[j])
				}
				j++
			}
			out = append(out, step{field: p[i:j], index: -1})
			i = j
		}
	}
	return out, nil
}

// resolve returns the value at path in v, or why there is none: the
// first step that found nothing, so that a failing exists says where the
// path stopped.
func resolve(v any, path []step) (any, error) {
	for n, s := range path {
		switch {
		case s.field != "":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a map", describe(path[:n]))
			}
			if v, ok = m[s.field]; !ok {
				return nil, fmt.Errorf("%s has no field %q", describe(path[:n]), s.field)
			}
		case s.key != "":
			l, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a list", describe(path[:n]))
			}
			found := false
			for _, e := range l {
				if m, ok := e.(map[string]any); ok && fmt.Sprint(m[s.key]) == s.value {
					v, found = e, true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("%s has no element with %s=%s", describe(path[:n]), s.key, s.value)
			}
		default:
			l, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is not a list", describe(path[:n]))
			}
			if s.index >= len(l) {
				return nil, fmt.Errorf("%s has %d elements, no [%d]", describe(path[:n]), len(l), s.index)
			}
			v = l[s.index]
		}
	}
	return v, nil
}

func describe(path []step) string {
	if len(path) == 0 {
		return "the document"
	}
	var b strings.Builder
	for _, s := range path {
		switch {
		case s.field != "" && strings.ContainsAny(s.field, ".[]"):
			fmt.Fprintf(&b, "[%q]", s.field)
		case s.field != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.field)
		case s.key != "":
			fmt.Fprintf(&b, "[%s=%s]", s.key, s.value)
		default:
			fmt.Fprintf(&b, "[%d]", s.index)
		}
	}
	return b.String()
}
