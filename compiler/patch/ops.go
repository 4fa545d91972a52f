package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/suggest"
	"github.com/kilnhq/kiln/compiler/yamlsyntax"
)

// When kustomize cannot apply a JSON patch it names the first operation
// that failed, in its library's words. diagnose finds every operation that
// fails and says why in terms of the object the patch was meant for: it
// applies the operations one at a time with the library kustomize uses
// (evanphx/json-patch), so that each later operation sees what the
// earlier ones did, and skips the ones that fail.

// operations are the JSON patch operations, as RFC 6902 names them.
var operations = []string{"add", "remove", "replace", "move", "copy", "test"}

// An operation is one item of a JSON patch with the line of the patch's
// text it starts on.
type operation struct {
	line int
	raw  map[string]any
}

func (o operation) str(key string) (string, bool) {
	s, ok := o.raw[key].(string)
	return s, ok
}

// diagnose explains why the JSON patch text failed on the objects the
// target selected (targets, as they were before the patch). It returns
// nil when text is not a JSON patch, or when every operation applies on
// its own: the caller then reports kustomize's own error.
func diagnose(text string, targets []compile.Object) []patchError {
	ops, errs := operationsOf(text)
	if errs != nil || ops == nil {
		return errs
	}
	docs := make([][]byte, len(targets))
	for i, t := range targets {
		b, err := json.Marshal(t.Content)
		if err != nil {
			return nil
		}
		docs[i] = b
	}
	for k, op := range ops {
		if msg := shapeError(op); msg != "" {
			errs = append(errs, patchError{field: "patch", msg: fmt.Sprintf("operation %d of the patch %s", k+1, msg), line: op.line})
			continue
		}
		if e, ok := applyEach(k, op, targets, docs); !ok {
			errs = append(errs, e)
		}
	}
	return errs
}

// operationsOf reads text as a JSON patch: nil when it is no list at all
// (a strategic merge patch), a finding at the line where it stops being
// YAML, or one per item that is not a mapping.
func operationsOf(text string) ([]operation, []patchError) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		line, msg := yamlsyntax.Line([]byte(text), err)
		return nil, []patchError{{field: "patch", msg: "the patch is not valid YAML: " + msg, line: line}}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.SequenceNode {
		return nil, nil
	}
	var ops []operation
	var errs []patchError
	for k, item := range root.Content[0].Content {
		var raw map[string]any
		if item.Kind != yaml.MappingNode {
			errs = append(errs, patchError{field: "patch", msg: fmt.Sprintf("operation %d of the patch is not a mapping with op, path and value", k+1), line: item.Line})
		} else if err := item.Decode(&raw); err != nil { // a key given twice: "yaml: unmarshal errors:\n  line 3: ..."
			lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
			errs = append(errs, patchError{field: "patch", msg: fmt.Sprintf("operation %d of the patch cannot be read: %s", k+1, strings.TrimSpace(lines[len(lines)-1])), line: item.Line})
		}
		ops = append(ops, operation{line: item.Line, raw: raw})
	}
	if errs != nil {
		return nil, errs
	}
	return ops, nil
}

// shapeError says what an operation lacks whatever it is applied to.
func shapeError(op operation) string {
	kind, _ := op.str("op")
	switch {
	case kind == "":
		return "has no op; the operations are " + strings.Join(operations, ", ")
	case !slices.Contains(operations, kind):
		msg := fmt.Sprintf("has op %q, which is not a JSON patch operation (%s)", kind, strings.Join(operations, ", "))
		if s := suggest.Closest(kind, operations); s != "" {
			msg += "; did you mean " + s + "?"
		}
		return msg
	}
	for _, key := range needs(kind) {
		v, ok := op.raw[key]
		if !ok {
			return "has no " + key
		}
		if key == "value" {
			continue
		}
		if s, ok := v.(string); !ok || s != "" && !strings.HasPrefix(s, "/") {
			return fmt.Sprintf("has %s %q, which is not a JSON pointer: it starts with /, as in /spec/replicas", key, fmt.Sprint(v))
		}
	}
	return ""
}

// needs lists the members an operation of kind must have.
func needs(kind string) []string {
	switch kind {
	case "add", "replace", "test":
		return []string{"path", "value"}
	case "move", "copy":
		return []string{"from", "path"}
	}
	return []string{"path"}
}

// applyEach applies operation k to every target's document, in place, and
// when it fails on some, explains why on the first of them.
func applyEach(k int, op operation, targets []compile.Object, docs [][]byte) (patchError, bool) {
	one, err := json.Marshal([]any{op.raw})
	if err != nil {
		return patchError{}, true
	}
	p, err := jsonpatch.DecodePatch(one)
	if err != nil {
		return patchError{}, true
	}
	var failed []string
	var why string
	for i, doc := range docs {
		out, err := p.Apply(doc)
		if err == nil {
			docs[i] = out
			continue
		}
		if failed = append(failed, targets[i].Key()); why == "" {
			if why = explain(doc, op); why == "" {
				why = clean(err)
			}
		}
	}
	if failed == nil {
		return patchError{}, true
	}
	kind, _ := op.str("op")
	path, _ := op.str("path")
	return patchError{field: "patch", line: op.line, msg: fmt.Sprintf("operation %d of the patch (%s %s) does not apply to %s: %s",
		k+1, kind, path, strings.Join(failed, ", "), why)}, false
}

// explain says why op cannot apply to doc, or "" when it finds no reason.
func explain(doc []byte, op operation) string {
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return ""
	}
	kind, _ := op.str("op")
	path, _ := op.str("path")
	if kind == "move" || kind == "copy" {
		from, _ := op.str("from")
		if _, why := walk(v, pointer(from)); why != "" {
			return why
		}
	}
	switch kind {
	case "add", "move", "copy":
		return canAdd(v, pointer(path))
	case "remove", "replace", "test":
		at, why := walk(v, pointer(path))
		if why != "" {
			return why
		}
		if kind == "test" {
			return testFailure(path, at, op.raw["value"])
		}
	}
	return ""
}

// pointer splits a JSON pointer into its reference tokens.
func pointer(p string) []string {
	if p == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range tokens {
		tokens[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	return tokens
}

// render writes tokens back as a JSON pointer, for messages.
func render(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// walk returns the value at tokens in v, or why there is none there.
func walk(v any, tokens []string) (any, string) {
	for i, t := range tokens {
		here := render(tokens[:i])
		if here == "" {
			here = "the object"
		}
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[t]
			if !ok {
				return nil, fmt.Sprintf("%s has no field %q", here, t)
			}
			v = next
		case []any:
			j, err := strconv.Atoi(t)
			if err != nil || j < 0 || j >= len(c) {
				return nil, fmt.Sprintf("%s has %s, and no item %s", here, items(len(c)), t)
			}
			v = c[j]
		default:
			return nil, fmt.Sprintf("%s is %s, not an object or a list", here, kindOf(v))
		}
	}
	return v, ""
}

// canAdd says why nothing can be added at tokens in v, or "".
func canAdd(v any, tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	parent, why := walk(v, tokens[:len(tokens)-1])
	if why != "" {
		return why
	}
	last, here := tokens[len(tokens)-1], render(tokens[:len(tokens)-1])
	switch c := parent.(type) {
	case map[string]any:
		return ""
	case []any:
		if j, err := strconv.Atoi(last); last == "-" || err == nil && j >= 0 && j <= len(c) {
			return ""
		}
		return fmt.Sprintf("%s has %s; add at an index from 0 to %d, or at - to append", here, items(len(c)), len(c))
	}
	return fmt.Sprintf("%s is %s, not an object or a list", here, kindOf(parent))
}

func testFailure(path string, at, want any) string {
	got, _ := json.Marshal(at)
	exp, _ := json.Marshal(want)
	if bytes.Equal(got, exp) {
		return ""
	}
	return fmt.Sprintf("the test fails: %s is %s, not %s", path, got, exp)
}

func items(n int) string {
	if n == 1 {
		return "1 item"
	}
	return fmt.Sprintf("%d items", n)
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}
