// Package fix turns diagnostics into edits of the definition the user
// wrote: a misspelled field corrected to the suggestion, scaling.min raised
// to what the SLA needs, resources written out, an image tag or a waiver
// left for the user to complete.
//
// One implementation serves the editor's code actions, `kiln fix` and the
// kiln-fix pre-commit hook. A fix is a list of byte-range edits of the
// source text, so comments, key order and formatting outside the edited
// span stay as they were. A fix is offered only when the text it replaces
// is the literal it expects (a key or value computed by CUE or Jsonnet is
// left alone), and an insertion only into YAML or JSON.
package fix

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// An Edit replaces the bytes [Start, End) of the definition with New.
type Edit struct {
	Start, End int
	New        string
}

// A Fix resolves one diagnostic.
type Fix struct {
	Title string
	Code  string // the code of the diagnostic it resolves
	Edits []Edit // of the definition's file, not overlapping
	// Complete is false when the fix leaves a value for the user to write
	// (an image's version, a waiver's reason), written so that the schema
	// refuses it until it is. The editor offers such fixes; kiln fix
	// applies only complete ones.
	Complete bool
	// writes are the fields the fix changes; every other value of the
	// definition must be the same after it (see stillLoads).
	writes [][]string
	// adds are the fields that must exist after it.
	adds [][]string
}

// Options are what fixes need besides the definition.
type Options struct {
	Today time.Time // a waiver skeleton expires 30 days after it
	// Defaults are the schema's defaults of the fields a fix writes out,
	// by path (spec.resources.cpu → "100m").
	Defaults map[string]string
	// Rules are the guardrails' ids; a finding of one may be waived.
	Rules func(id string) bool
}

// NewOptions are the options kiln fix and the editor fix with: the
// schema's defaults of the fields fixes write out, the rules in force, and
// today.
func NewOptions(s *schema.Schema, rules func(id string) bool, today time.Time) Options {
	o := Options{Today: today, Defaults: map[string]string{}, Rules: rules}
	for _, p := range []string{"spec.resources.cpu", "spec.resources.memory"} {
		if fd, err := s.Explain(p); err == nil && fd.Default != nil {
			o.Defaults[p] = fmt.Sprint(fd.Default)
		}
	}
	return o
}

// For returns the fixes of diagnostic d of doc, most specific first.
func For(doc *load.Doc, d diag.Diagnostic, o Options) []Fix {
	if doc == nil || d.Pos.File != doc.File {
		return nil
	}
	var out []Fix
	add := func(f Fix, ok bool) {
		if ok {
			f.Code = d.Code
			out = append(out, f)
		}
	}
	switch d.Code {
	case "schema/unknown-field", "schema/enum", "schema/type":
		add(suggestion(doc, d))
	case "replicas-meet-sla":
		add(raiseMin(doc, d))
	case "resources-set":
		add(writeResources(doc, o))
	case "image-pinned":
		add(pinImage(doc, d))
	}
	if o.Rules != nil && o.Rules(d.Code) && d.Waived == "" {
		add(waive(doc, d, o))
	}
	if eol := lineEnding(doc.File.Content); eol != "\n" {
		for i := range out {
			for j := range out[i].Edits {
				out[i].Edits[j].New = strings.ReplaceAll(out[i].Edits[j].New, "\n", eol) // keep the file's line endings
			}
		}
	}
	return slices.DeleteFunc(out, func(f Fix) bool { return !stillLoads(doc, f) })
}

// lineEnding is how the file's first line ends: \n, \r\n, or a lone \r
// (classic Mac OS); what a fix inserts ends its lines the same way.
func lineEnding(content []byte) string {
	i := bytes.IndexAny(content, "\r\n")
	switch {
	case i < 0 || content[i] == '\n':
		return "\n"
	case i+1 < len(content) && content[i+1] == '\n':
		return "\r\n"
	}
	return "\r"
}

// stillLoads is the last guard of a YAML or JSON fix: its result must load
// as the original did, have the fields it adds, and leave every other
// value as it was. The edits are made on text, and YAML has layouts (a
// block scalar at its key's indentation, a quoted string over several
// lines) where text that looks right is not; such a fix is not offered.
func stillLoads(doc *load.Doc, f Fix) bool {
	if doc.Format != load.YAML && doc.Format != load.JSON {
		return true
	}
	out, err := Apply(doc.File.Content, f.Edits)
	if err != nil {
		return false
	}
	after, _ := load.Load(source.NewFile(doc.File.Name, out), load.Options{Format: doc.Format})
	if after == nil {
		return false
	}
	for _, p := range f.adds {
		if after.Lookup(p) == nil {
			return false
		}
	}
	before, now := doc.Root.Value(), after.Root.Value()
	for _, p := range f.writes {
		before, now = without(before, p), without(now, p)
	}
	return reflect.DeepEqual(before, now)
}

// without returns v with the value at path left out (v is not changed).
func without(v any, path []string) any {
	if len(path) == 0 {
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		out := maps.Clone(v)
		if len(path) == 1 {
			delete(out, path[0])
		} else if child, ok := out[path[0]]; ok {
			out[path[0]] = without(child, path[1:])
		}
		return out
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(v) {
			return v
		}
		out := slices.Clone(v)
		if len(path) == 1 {
			return slices.Delete(out, i, i+1)
		}
		out[i] = without(out[i], path[1:])
		return out
	}
	return v
}

// Apply returns content with edits applied. Edits must not overlap.
func Apply(content []byte, edits []Edit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortFunc(edits, func(a, b Edit) int { return a.Start - b.Start })
	var out bytes.Buffer
	at := 0
	for _, e := range edits {
		if e.Start < at || e.End < e.Start || e.End > len(content) {
			return nil, fmt.Errorf("edits overlap or leave the file at byte %d", e.Start)
		}
		out.Write(content[at:e.Start])
		out.WriteString(e.New)
		at = e.End
	}
	out.Write(content[at:])
	return out.Bytes(), nil
}

// Overlaps reports whether any edit of a overlaps any edit of b.
func Overlaps(a, b []Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Start < y.End && y.Start < x.End || x.Start == y.Start {
				return true
			}
		}
	}
	return false
}

// suggestion replaces a misspelled key, an enum value or a wrongly typed
// value with what the check suggested.
func suggestion(doc *load.Doc, d diag.Diagnostic) (Fix, bool) {
	if d.Suggestion == "" {
		return Fix{}, false
	}
	src := doc.File.Content
	start, end := d.Pos.Offset, d.End.Offset
	if d.Code == "schema/unknown-field" {
		key := string(src[start:end])
		name := lastElem(d.Path)
		repl := d.Suggestion
		switch key {
		case name:
		case `"` + name + `"`:
			repl = `"` + repl + `"`
		default:
			return Fix{}, false
		}
		path := pathOf(d.Path)
		renamed := append(slices.Clone(path[:len(path)-1]), d.Suggestion)
		return Fix{Title: fmt.Sprintf("Change %q to %q", name, d.Suggestion), Complete: true,
			Edits: []Edit{{start, end, repl}}, writes: [][]string{path, renamed}, adds: [][]string{renamed}}, true
	}
	n := doc.Lookup(pathOf(d.Path))
	if n == nil || !literal(doc, n) {
		return Fix{}, false
	}
	repl := d.Suggestion
	if doc.Format == load.JSON && d.Code == "schema/enum" {
		repl = fmt.Sprintf("%q", repl)
	}
	return Fix{Title: fmt.Sprintf("Change %s to %s", string(src[n.Pos.Offset:n.End.Offset]), repl), Complete: true,
		Edits: []Edit{{n.Pos.Offset, n.End.Offset, repl}}, writes: [][]string{pathOf(d.Path)}}, true
}

// literal reports whether a scalar node's text is the value itself, as in
// YAML and JSON, rather than an expression that computes it.
func literal(doc *load.Doc, n *load.Node) bool {
	if n.Kind == load.Map || n.Kind == load.List {
		return false
	}
	text := strings.Trim(string(doc.File.Content[n.Pos.Offset:n.End.Offset]), `"'`)
	return text == strings.Trim(n.String(), `"`) || fmt.Sprint(n.Scalar) == text
}

func lastElem(path string) string {
	p := pathOf(path)
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}
