// Package fieldpath is kiln's one grammar for a place inside a document,
// shared by the source map's origins, findings' paths, config tests'
// assertions and settings, and kiln build --explain-origin:
//
//	spec.template.spec.containers[0].image
//	spec.template.spec.containers[name=checkout].image
//	metadata.labels["app.kubernetes.io/name"]
//
// A field is a name; [N] indexes a list; [KEY=VALUE] picks the list
// element whose field KEY is VALUE; ["..."] is a field whose name holds
// dots, brackets, quotes or spaces (a label or annotation key such as
// app.kubernetes.io/name), written as a Go string literal. Paths are
// rendered the same way: String quotes exactly the fields that need it,
// so that one field has one spelling. The package also converts from the
// JSON pointers (/spec/patches/0/target) JSON Schema validators report.
package fieldpath

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// A Step is one element of a Path.
type Step struct {
	Field      string // a field's name; "" for an index or a selection
	Index      int    // a list index; -1 for a field or a selection
	Key, Value string // a selection [KEY=VALUE]; "" otherwise
}

// A Path is a parsed field path.
type Path []Step

// ParsePath reads a field path in the grammar of the package comment. The
// empty path is the whole document. Anything else that is not in the
// grammar (a..b, a.[0], x], a."b") is an error that says what to write.
func ParsePath(p string) (Path, error) {
	var out Path
	for i := 0; i < len(p); {
		var s Step
		var err error
		switch p[i] {
		case '.':
			if err := dot(p, i); err != nil {
				return nil, err
			}
			i++
			continue
		case '[':
			s, i, err = bracket(p, i)
		default:
			s, i, err = name(p, i)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// dot checks the separator at p[i].
func dot(p string, i int) error {
	switch {
	case i == 0 || i == len(p)-1:
		return fmt.Errorf("a path does not start or end with '.'")
	case p[i+1] == '.':
		return fmt.Errorf("empty field name between '..'")
	case p[i+1] == '[':
		return fmt.Errorf("'.[' has no field name; write a[0], not a.[0]")
	case p[i+1] == '"':
		return fmt.Errorf(`write a["b.c"], not a."b.c", for a field whose name holds dots`)
	}
	return nil
}

// name reads a plain field name at p[i:].
func name(p string, i int) (Step, int, error) {
	j := i
	for j < len(p) && p[j] != '.' && p[j] != '[' {
		if strings.IndexByte("]\" \t", p[j]) >= 0 {
			return Step{}, 0, fmt.Errorf("%q in a field name; write [\"...\"] for a name that holds punctuation", p[j])
		}
		j++
	}
	return Step{Field: p[i:j], Index: -1}, j, nil
}

// bracket reads [N], [KEY=VALUE] or ["..."] at p[i:].
func bracket(p string, i int) (Step, int, error) {
	var s Step
	var end int
	if strings.HasPrefix(p[i:], `["`) {
		lit, err := strconv.QuotedPrefix(p[i+1:])
		if err != nil || !strings.HasPrefix(p[i+1+len(lit):], "]") {
			return Step{}, 0, fmt.Errorf(`unclosed ["...`)
		}
		field, _ := strconv.Unquote(lit)
		if field == "" {
			return Step{}, 0, fmt.Errorf(`[""] is not a field name`)
		}
		s, end = Step{Field: field, Index: -1}, i+1+len(lit)+1
	} else {
		j := strings.IndexByte(p[i:], ']')
		if j < 0 {
			return Step{}, 0, fmt.Errorf("unclosed [")
		}
		var err error
		if s, err = selection(p[i+1 : i+j]); err != nil {
			return Step{}, 0, err
		}
		end = i + j + 1
	}
	if end < len(p) && p[end] != '.' && p[end] != '[' {
		return Step{}, 0, fmt.Errorf("']' is followed by %q; write a[0].b or a[0][1]", p[end])
	}
	return s, end, nil
}

// selection reads what is between the brackets of [N] or [KEY=VALUE].
func selection(inner string) (Step, error) {
	if k, v, ok := strings.Cut(inner, "="); ok {
		if k == "" || v == "" || strings.ContainsAny(inner, " \t\"[") {
			return Step{}, fmt.Errorf("[%s] is not KEY=VALUE (no spaces, quotes or empty sides)", inner)
		}
		return Step{Index: -1, Key: k, Value: v}, nil
	}
	if n, err := strconv.Atoi(inner); err == nil && n >= 0 && inner == strconv.Itoa(n) {
		return Step{Index: n}, nil
	}
	return Step{}, fmt.Errorf("[%s] is neither an index nor KEY=VALUE", inner)
}

// String renders p in the grammar, quoting the fields that need it.
func (p Path) String() string {
	var b strings.Builder
	for _, s := range p {
		switch {
		case s.Key != "":
			fmt.Fprintf(&b, "[%s=%s]", s.Key, s.Value)
		case s.Index >= 0:
			fmt.Fprintf(&b, "[%d]", s.Index)
		default:
			writeField(&b, s.Field)
		}
	}
	return b.String()
}

func writeField(b *strings.Builder, f string) {
	if needsQuotes(f) {
		b.WriteString("[" + strconv.Quote(f) + "]")
		return
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(f)
}

// needsQuotes reports whether a field cannot be written as a plain name.
func needsQuotes(f string) bool {
	return f == "" || strings.ContainsAny(f, ".[]\" \t\r\n")
}

// Resolve returns the value at p inside plain data (maps and lists as
// encoding/json decodes them) and the elements of the path it took (a
// selection as the index it picked), or why there is none: the first
// step that found nothing. An index also names a map's field of that
// name, as elements do (see Resolve).
func (p Path) Resolve(v any) (any, []string, error) {
	elems := make([]string, 0, len(p))
	for n, s := range p {
		var err error
		var elem string
		if v, elem, err = s.step(v); err != nil {
			return nil, nil, fmt.Errorf("%s %v", describe(p[:n]), err)
		}
		elems = append(elems, elem)
	}
	return v, elems, nil
}

// Requote returns the path p was likely meant as when it finds nothing in
// v because a key that holds dots was written unquoted, as in
// metadata.labels.app.kubernetes.io/name: the path with such keys quoted
// (metadata.labels["app.kubernetes.io/name"]), which resolves; false
// when there is none.
func (p Path) Requote(v any) (Path, bool) {
	out, ok := requote(nil, p, v)
	if !ok || out.String() == p.String() {
		return nil, false
	}
	return out, true
}

// requote resolves rest in v after done, trying at each map the fields
// that rest's next plain names make when joined by dots.
func requote(done, rest Path, v any) (Path, bool) {
	if len(rest) == 0 {
		return done, true
	}
	done = done[:len(done):len(done)]
	if next, _, err := rest[0].step(v); err == nil {
		if out, ok := requote(append(done, rest[0]), rest[1:], next); ok {
			return out, true
		}
	}
	m, ok := v.(map[string]any)
	if !ok || rest[0].Field == "" {
		return nil, false
	}
	key := rest[0].Field
	for i := 1; i < len(rest) && rest[i].Field != ""; i++ {
		key += "." + rest[i].Field
		if next, ok := m[key]; ok {
			if out, ok := requote(append(done, Step{Field: key, Index: -1}), rest[i+1:], next); ok {
				return out, true
			}
		}
	}
	return nil, false
}

// step takes s in v, returning the value and the element it took.
func (s Step) step(v any) (any, string, error) {
	switch {
	case s.Field != "":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("is not a map")
		}
		next, ok := m[s.Field]
		if !ok {
			return nil, "", fmt.Errorf("has no field %q", s.Field)
		}
		return next, s.Field, nil
	case s.Key != "":
		l, ok := v.([]any)
		if !ok {
			return nil, "", fmt.Errorf("is not a list")
		}
		for i, e := range l {
			if m, ok := e.(map[string]any); ok && fmt.Sprint(m[s.Key]) == s.Value {
				return e, strconv.Itoa(i), nil
			}
		}
		return nil, "", fmt.Errorf("has no element with %s=%s", s.Key, s.Value)
	}
	if m, ok := v.(map[string]any); ok {
		if next, ok := m[strconv.Itoa(s.Index)]; ok {
			return next, strconv.Itoa(s.Index), nil
		}
	}
	l, ok := v.([]any)
	if !ok {
		return nil, "", fmt.Errorf("is not a list")
	}
	if s.Index >= len(l) {
		return nil, "", fmt.Errorf("has %d elements, no [%d]", len(l), s.Index)
	}
	return l[s.Index], strconv.Itoa(s.Index), nil
}

// describe names the place a path reached, for a message.
func describe(p Path) string {
	if len(p) == 0 {
		return "the document"
	}
	return p.String()
}

// String renders elements as a field path: spec.env.LOG_LEVEL,
// spec.patches[0], metadata.labels["app.kubernetes.io/name"]. An element
// that is a decimal number is a list index.
func String(elems []string) string {
	var b strings.Builder
	for _, e := range elems {
		if isIndex(e) {
			b.WriteString("[" + e + "]")
			continue
		}
		writeField(&b, e)
	}
	return b.String()
}

// Join appends the field key to path: Join("metadata.labels",
// "app.kubernetes.io/name") is metadata.labels["app.kubernetes.io/name"].
func Join(path, key string) string {
	var b strings.Builder
	b.WriteString(path)
	writeField(&b, key)
	return b.String()
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != "" && s[0] != '-' && s[0] != '+'
}

// Parse splits a path of fields and indexes into its elements:
// "a.b[0].c" → a, b, 0, c; `a["b.c"]` → a, b.c. It is for paths kiln
// writes; a path that is not one (malformed, or with a [KEY=VALUE]
// selection) has no elements, nil: read a user's path with ParsePath,
// which says what is wrong.
func Parse(path string) []string {
	p, err := ParsePath(path)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(p))
	for _, s := range p {
		switch {
		case s.Key != "":
			return nil
		case s.Index >= 0:
			out = append(out, strconv.Itoa(s.Index))
		default:
			out = append(out, s.Field)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Parent returns the path that encloses p: "a.b[0]" → "a.b", "a.b" → "a",
// `a["b.c"]` → "a", "a" → "".
func Parent(p string) string {
	if !strings.Contains(p, `"`) { // no quoted field: the last separator
		if i := strings.LastIndexAny(p, ".["); i >= 0 {
			return p[:i]
		}
		return ""
	}
	parsed, err := ParsePath(p)
	if err != nil || len(parsed) == 0 {
		return ""
	}
	return parsed[:len(parsed)-1].String()
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

// Within reports whether path is parent or a field inside it:
// metadata.labels["app.kubernetes.io/name"] is within metadata.labels,
// spec.envs is not within spec.env. Paths are compared step by step, so
// a quoted field's dots and brackets are never taken for separators; a
// path outside the grammar is within only itself. Every path is within
// the empty one, the whole document.
func Within(path, parent string) bool {
	if path == parent || parent == "" {
		return true
	}
	p, err := ParsePath(path)
	if err != nil {
		return false
	}
	q, err := ParsePath(parent)
	if err != nil || len(q) > len(p) {
		return false
	}
	for i, s := range q {
		if s != p[i] {
			return false
		}
	}
	return true
}

// FromSelectors renders a path as CUE spells its selectors (spec,
// "app.kubernetes.io/name", 0) in this package's grammar: CUE's quoted
// labels are fields, its integers list indexes.
func FromSelectors(sels []string) string {
	elems := make([]string, 0, len(sels))
	for _, s := range sels {
		if strings.HasPrefix(s, `"`) {
			if u, err := strconv.Unquote(s); err == nil {
				s = u
			}
		}
		elems = append(elems, s)
	}
	return String(elems)
}
