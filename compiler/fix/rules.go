package fix

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
)

// pathOf splits a diagnostic's path; fieldpath writes list indexes as
// [0], the load tree takes them as "0".
func pathOf(p string) []string { return fieldpath.Parse(p) }

// raiseMin raises the scaling.min the replicas-meet-sla finding points at
// to the replicas the SLA needs, and scaling.max with it when it would
// fall below.
func raiseMin(doc *load.Doc, d diag.Diagnostic) (Fix, bool) {
	path := pathOf(d.Path)
	if len(path) < 2 || path[len(path)-1] != "min" || path[len(path)-2] != "scaling" {
		return Fix{}, false
	}
	scaling := path[:len(path)-1]
	need := compile.TierFor(availability(doc, scaling[:len(scaling)-1])).Replicas
	minNode := doc.Lookup(path)
	if need <= 1 || minNode == nil || minNode.Kind != load.Number || !literal(doc, minNode) {
		return Fix{}, false
	}
	if have, err := strconv.Atoi(fmt.Sprint(minNode.Scalar)); err != nil || have >= need {
		return Fix{}, false
	}
	n := strconv.Itoa(need)
	edits := []Edit{{minNode.Pos.Offset, minNode.End.Offset, n}}
	if maxNode := doc.Lookup(append(slices.Clone(scaling), "max")); maxNode != nil && maxNode.Kind == load.Number && literal(doc, maxNode) {
		if have, err := strconv.Atoi(fmt.Sprint(maxNode.Scalar)); err == nil && have < need {
			edits = append(edits, Edit{maxNode.Pos.Offset, maxNode.End.Offset, n})
		}
	}
	return Fix{Title: fmt.Sprintf("Raise %s to %d, as the SLA needs", fieldpath.String(path), need), Complete: true, Edits: edits,
		writes: [][]string{path, append(slices.Clone(scaling), "max")}}, true
}

// availability is the SLA in force where the scaling at base is: an
// environment's own SLA, else the app's.
func availability(doc *load.Doc, base []string) float64 {
	for _, p := range [][]string{append(slices.Clone(base), "sla", "availability"), {"spec", "sla", "availability"}} {
		if n := doc.Lookup(p); n != nil && n.Kind == load.Number {
			if f, err := strconv.ParseFloat(fmt.Sprint(n.Scalar), 64); err == nil {
				return f
			}
		}
	}
	return 0
}

// writeResources writes spec.resources out with the schema's defaults,
// the fields a resources-set finding says are missing.
func writeResources(doc *load.Doc, o Options) (Fix, bool) {
	if doc.Lookup([]string{"spec", "resources"}) != nil {
		return Fix{}, false
	}
	cpu, mem := o.Defaults["spec.resources.cpu"], o.Defaults["spec.resources.memory"]
	if cpu == "" || mem == "" {
		return Fix{}, false
	}
	e, ok := insertField(doc, []string{"spec"}, "resources", value{{"cpu", cpu}, {"memory", mem}})
	resources := []string{"spec", "resources"}
	return Fix{Title: "Set spec.resources (cpu " + cpu + ", memory " + mem + ")", Complete: true, Edits: []Edit{e},
		writes: [][]string{resources}, adds: [][]string{resources}}, ok
}

// pinImage replaces an image's missing or latest tag with a placeholder
// the schema refuses, for the user to write the version: kiln cannot know
// it without asking a registry.
func pinImage(doc *load.Doc, d diag.Diagnostic) (Fix, bool) {
	n := doc.Lookup(pathOf(d.Path))
	if n == nil || n.Kind != load.String || !literal(doc, n) {
		return Fix{}, false
	}
	img := n.Scalar.(string)
	if strings.Contains(img, "@") {
		return Fix{}, false
	}
	name := img
	slash := strings.LastIndex(img, "/")
	if colon := strings.LastIndex(img, ":"); colon > slash {
		name = img[:colon]
	}
	text := string(doc.File.Content[n.Pos.Offset:n.End.Offset])
	i := strings.Index(text, img)
	if i < 0 {
		return Fix{}, false
	}
	start := n.Pos.Offset + i
	return Fix{Title: "Pin " + name + " to a version (write it in place of <version>)", writes: [][]string{pathOf(d.Path)},
		Edits: []Edit{{start, start + len(img), name + ":<version>"}}}, true
}

// waive adds a waiver skeleton for the finding's rule: the reason is left
// empty, which the schema refuses, so that no waiver holds until someone
// says why; it expires in 30 days.
func waive(doc *load.Doc, d diag.Diagnostic, o Options) (Fix, bool) {
	expires := o.Today.AddDate(0, 0, 30).Format("2006-01-02")
	w := value{{"rule", d.Code}, {"reason", ""}, {"expires", expires}}
	title := fmt.Sprintf("Waive %s for this app until %s (write the reason)", d.Code, expires)
	waivers := []string{"spec", "waivers"}
	if list := doc.Lookup(waivers); list != nil {
		e, ok := appendItem(doc, list, w)
		return Fix{Title: title, Edits: []Edit{e}, writes: [][]string{waivers}, adds: [][]string{append(slices.Clone(waivers), strconv.Itoa(len(list.Items)))}}, ok
	}
	e, ok := insertField(doc, []string{"spec"}, "waivers", list{w})
	return Fix{Title: title, Edits: []Edit{e}, writes: [][]string{waivers}, adds: [][]string{append(slices.Clone(waivers), "0")}}, ok
}

// value is a mapping written in this order; list is a sequence of them.
type value []struct{ key, val any }
type list []value

func (v value) json() string {
	var b strings.Builder
	b.WriteString("{")
	for i, kv := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(kv.key)
		b.Write(k)
		b.WriteString(": ")
		b.WriteString(jsonOf(kv.val))
	}
	b.WriteString("}")
	return b.String()
}

func jsonOf(v any) string {
	switch v := v.(type) {
	case value:
		return v.json()
	case list:
		var items []string
		for _, it := range v {
			items = append(items, it.json())
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// yamlOf writes v as block YAML lines at indent; the first line carries no
// indent, for the caller's "key: " or "- ".
func yamlOf(v any, indent string) string {
	switch v := v.(type) {
	case value:
		lines := make([]string, len(v))
		for i, kv := range v {
			switch kv.val.(type) {
			case value, list:
				lines[i] = fmt.Sprint(kv.key) + ":\n" + indent + "  " + yamlOf(kv.val, indent+"  ")
			default:
				lines[i] = fmt.Sprint(kv.key) + ": " + yamlScalar(kv.val)
			}
		}
		return strings.Join(lines, "\n"+indent)
	case list:
		lines := make([]string, len(v))
		for i, it := range v {
			lines[i] = "- " + yamlOf(it, indent+"  ")
		}
		return strings.Join(lines, "\n"+indent)
	}
	return yamlScalar(v)
}

func yamlScalar(v any) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || s != strings.TrimSpace(s) {
		return strconv.Quote(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil || s == "true" || s == "false" || s == "null" || isDate(s) {
		return strconv.Quote(s)
	}
	return s
}

func isDate(s string) bool { return len(s) == 10 && s[4] == '-' && s[7] == '-' }
