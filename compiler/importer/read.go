package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/objdiff"
	"github.com/kilnhq/kiln/compiler/source"
)

// An Object is one Kubernetes object of the input, with where it is
// written.
type Object struct {
	Key   objdiff.Key
	Value map[string]any // numbers as int64 or float64
	File  *source.File
	Node  *load.Node
	// Source is the chart template helm template rendered it from (its
	// "# Source:" comment), "" for other input.
	Source string
}

// Locate returns where the field at path (docs/paths.md syntax) of o is
// written, or the closest enclosing field that is.
func (o *Object) Locate(path string) source.Pos {
	doc := &load.Doc{File: o.File, Root: o.Node}
	p, err := fieldpath.ParsePath(path)
	if err != nil {
		return o.Node.Pos
	}
	// Resolve as far as the path goes, for the indexes of [name=...] steps.
	for n := len(p); n > 0; n-- {
		if _, elems, err := p[:n].Resolve(o.Value); err == nil {
			pos, _, _ := doc.Locate(elems)
			return pos
		}
	}
	return o.Node.Pos
}

// at is a diagnostic at pos.
func at(pos source.Pos, sev diag.Severity, code, format string, args ...any) diag.Diagnostic {
	return diag.Diagnostic{Pos: pos, End: pos, Severity: sev, Code: code, Kind: diag.Input, Message: fmt.Sprintf(format, args...)}
}

// unrendered finds a Go template action, which helm template would have
// replaced: the input is a chart's template, not its output.
var unrendered = regexp.MustCompile(`\{\{-?\s*[-.$a-zA-Z/"(]`)

// Read reads the objects of one file: a multi-document YAML stream (or a
// JSON object), or a Score workload file, which it returns as score.
// Every problem is a positioned error.
func Read(f *source.File) (objs []*Object, score *Score, ds diag.List) {
	text := f.LF()
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, nil, diag.List{at(f.Pos(0), diag.Error, "import/empty", "the file is empty; kiln import reads Kubernetes objects or a Score workload")}
	}
	opts := load.Options{Format: load.YAML, MaxBytes: lint.MaxBytes}
	var nodes []*load.Node
	if load.FormatOf(f.Name) == load.JSON {
		doc, more := load.Load(f, load.Options{Format: load.JSON, MaxBytes: lint.MaxBytes})
		if doc == nil {
			return nil, nil, more
		}
		nodes = []*load.Node{doc.Root}
	} else {
		nodes, ds = load.Stream(f, opts)
	}
	if off, ok := template(text, nodes); ok {
		return nil, nil, diag.List{at(f.Pos(off), diag.Error, "import/template",
			"a template that did not render: import reads what helm template (or kustomize build) writes, not the chart's templates")}
	}
	if ds != nil {
		return nil, nil, ds
	}
	for i, n := range nodes {
		if isScore(n) {
			if len(nodes) > 1 {
				return nil, nil, diag.List{at(n.Pos, diag.Error, "import/score", "a Score file holds one workload; this one holds %d documents", len(nodes))}
			}
			s, sds := readScore(f, n)
			return nil, s, sds
		}
		if k := n.Field("apiVersion"); IsKustomization(f.Name) || k != nil && k.Value.Kind == load.String && strings.HasPrefix(k.Value.Scalar.(string), "kustomize.config.k8s.io/") {
			ds = append(ds, at(n.Pos, diag.Warning, "import/kustomization",
				"this is kustomize's own file, not an object: its transformations are not applied; import the output of kustomize build to include them"))
			continue
		}
		more, d, ok := objectsOf(f, n, i)
		if !ok {
			ds = append(ds, d)
			continue
		}
		objs = append(objs, more...)
	}
	if len(objs) == 0 && !ds.HasErrors() && len(nodes) > 0 && !slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Code == "import/kustomization" }) {
		ds = append(ds, at(f.Pos(0), diag.Error, "import/empty", "the file holds no Kubernetes objects"))
	}
	return objs, nil, ds
}

// objectsOf reads document n (the i-th) as an object, or a List as its
// items.
func objectsOf(f *source.File, n *load.Node, i int) ([]*Object, diag.Diagnostic, bool) {
	v, ok := plain(n.Value()).(map[string]any)
	api, _ := v["apiVersion"].(string)
	kind, _ := v["kind"].(string)
	if !ok || api == "" || kind == "" {
		return nil, at(n.Pos, diag.Error, "import/not-an-object",
			"document %d is not a Kubernetes object: it needs apiVersion and kind (a Score file needs apiVersion score.dev/v1b1)", i+1), false
	}
	if kind == "List" {
		var out []*Object
		if items := n.Field("items"); items != nil && items.Value.Kind == load.List {
			for j, it := range items.Value.Items {
				more, d, ok := objectsOf(f, it, j)
				if !ok {
					return nil, d, false
				}
				out = append(out, more...)
			}
		}
		return out, diag.Diagnostic{}, true
	}
	md, _ := v["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	if name == "" {
		return nil, at(n.Pos, diag.Error, "import/no-name", "%s has no metadata.name", kind), false
	}
	o := &Object{Value: v, File: f, Node: n, Source: helmSource(f.LF(), n.Pos.Offset)}
	o.Key = objdiff.KeyOf(v)
	return []*Object{o}, diag.Diagnostic{}, true
}

// helmSource returns the template named by the "# Source: " comment
// helm template writes above the document that starts at off.
func helmSource(text []byte, off int) string {
	start := bytes.LastIndex(text[:off], []byte("\n---"))
	head := text[max(start, 0):off]
	i := bytes.Index(head, []byte("# Source: "))
	if i < 0 {
		return ""
	}
	line := head[i+len("# Source: "):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimSpace(string(line))
}

// template returns the offset of the first template action in text
// outside comments and outside the values that may hold templates of
// their own once rendered (a ConfigMap's data of alerting templates, an
// annotation): nodes are the documents, nil when they did not parse.
func template(text []byte, nodes []*load.Node) (int, bool) {
	var free [][2]int
	for i, n := range nodes {
		end := len(text)
		if i+1 < len(nodes) {
			end = nodes[i+1].Pos.Offset
		}
		free = dataRegions(n, end, free)
	}
	for _, loc := range unrendered.FindAllIndex(text, -1) {
		if inComment(text, loc[0]) || slices.ContainsFunc(free, func(r [2]int) bool { return r[0] <= loc[0] && loc[0] < r[1] }) {
			continue
		}
		return loc[0], true
	}
	return 0, false
}

// dataRegions adds to free the spans of n's fields data, stringData,
// binaryData and annotations, at any depth: from the key to the next
// key of the same map, or end.
func dataRegions(n *load.Node, end int, free [][2]int) [][2]int {
	switch n.Kind {
	case load.Map:
		for i, f := range n.Fields {
			next := end
			if i+1 < len(n.Fields) {
				next = n.Fields[i+1].KeyPos.Offset
			}
			switch f.Name {
			case "data", "stringData", "binaryData", "annotations":
				free = append(free, [2]int{f.KeyPos.Offset, next})
			default:
				free = dataRegions(f.Value, next, free)
			}
		}
	case load.List:
		for i, it := range n.Items {
			next := end
			if i+1 < len(n.Items) {
				next = n.Items[i+1].Pos.Offset
			}
			free = dataRegions(it, next, free)
		}
	}
	return free
}

// inComment reports whether offset off is inside a YAML comment.
func inComment(text []byte, off int) bool {
	lineStart := bytes.LastIndexByte(text[:off], '\n') + 1
	return bytes.Contains(text[lineStart:off], []byte("#"))
}

// plain converts the json.Numbers of a loaded value into int64 or
// float64, as YAML and JSON encoders write them back as numbers.
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return v
}

// checkDuplicates reports each object whose key another one has already.
func checkDuplicates(objs []*Object) diag.List {
	var ds diag.List
	first := map[objdiff.Key]*Object{}
	for _, o := range objs {
		k := o.Key
		if k.Namespace == "default" {
			k.Namespace = ""
		}
		if f, ok := first[k]; ok {
			line, col := f.Node.Pos.LineCol()
			ds = append(ds, at(o.Locate("metadata.name"), diag.Error, "import/duplicate",
				"%s %s is defined twice; the first is at %s:%d:%d", o.Key.Kind, o.Key.Name, f.File.Name, line, col))
			continue
		}
		first[k] = o
	}
	return ds
}

// IsKustomization reports whether path is kustomize's own file, which
// kustomize recognises by its name (its apiVersion and kind are
// optional).
func IsKustomization(path string) bool {
	switch filepath.Base(path) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}
