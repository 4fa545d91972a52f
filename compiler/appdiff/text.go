package appdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kilnhq/kiln/compiler/objdiff"
)

// maxValue bounds a value shown beside a field's path; the unified diff
// below it holds the whole.
const maxValue = 120

// Text writes r for a terminal: per app, per environment, each object
// that changed with its fields, then the unified diff of the manifests.
func Text(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, a := range r.Apps {
		fmt.Fprintf(&b, "%s %s\n", appTitle(a), a.Status)
		for _, e := range a.Envs {
			fmt.Fprintf(&b, "  environment %s: %s\n", e.Name, e.Status)
			for _, c := range e.Objects {
				writeChange(&b, "    ", c)
			}
			b.WriteString(indent(e.Diff, "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// appTitle names an app with its definition and what it was before.
func appTitle(a AppDiff) string {
	s := fmt.Sprintf("app %s (%s)", a.Name, a.Definition)
	switch {
	case a.OldName != "" && a.OldDefinition != "":
		s += fmt.Sprintf(", was %s (%s),", a.OldName, a.OldDefinition)
	case a.OldName != "":
		s += fmt.Sprintf(", renamed from %s,", a.OldName)
	case a.OldDefinition != "":
		s += fmt.Sprintf(", moved from %s,", a.OldDefinition)
	}
	return s
}

// ops marks an object's change as a diff marks a line.
var ops = map[string]string{Added: "+", Removed: "-", Changed: "~"}

func writeChange(b *strings.Builder, in string, c objdiff.Change) {
	fmt.Fprintf(b, "%s%s %s\n", in, ops[c.Op], c.Key)
	for _, f := range c.Fields {
		fmt.Fprintf(b, "%s    %s: %s\n", in, f.Path, fieldChange(f))
	}
}

// fieldChange says what became of one field: "old → new", "added: new",
// "removed: old".
func fieldChange(f objdiff.Field) string {
	switch {
	case f.Old == nil:
		return "added " + Value(f.New)
	case f.New == nil:
		return "removed " + Value(f.Old)
	}
	return Value(f.Old) + " → " + Value(f.New)
}

// Value renders a field's value as compact JSON, cut at maxValue
// characters.
func Value(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a value is shown, not embedded in HTML
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if utf8.RuneCountInString(s) > maxValue {
		s = string([]rune(s)[:maxValue-1]) + "…"
	}
	return s
}

// indent prefixes every line of s.
func indent(s, in string) string {
	if s == "" {
		return ""
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(in + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
