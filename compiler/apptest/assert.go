package apptest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// check1 evaluates one assertion and returns why it failed, or "".
func check1(a *Assert, out *outputs, snaps *snapshots, caseName string, index int) string {
	switch a.Type {
	case "failedBuild":
		return invert(a, checkFailedBuild(a, out))
	case "policy":
		fired := slices.Contains(out.fired, a.Rule)
		switch {
		case out.errors != nil:
			return buildFailed(out)
		case !a.Not && !fired:
			return fmt.Sprintf("rule %s did not fire (fired: %s)", a.Rule, orNone(out.fired))
		case a.Not && fired:
			return fmt.Sprintf("rule %s fired, and the case says it must not", a.Rule)
		}
		return ""
	}
	if out.errors != nil {
		return buildFailed(out)
	}
	docs, err := selectDocs(a, out)
	if err != "" {
		return err
	}
	if a.Type == "hasDocuments" {
		if len(docs) != a.Count {
			return invert(a, fmt.Sprintf("expected %d documents, got %d", a.Count, len(docs)))
		}
		return invert(a, "")
	}
	if len(docs) == 0 {
		return fmt.Sprintf("no %s document matches%s, so the assertion cannot run", a.Artifact, selector(a))
	}
	if a.Type == "matchSnapshot" {
		return snaps.match(a, caseName, index, docs)
	}
	for i, d := range docs {
		msg, cannot := checkDoc(a, d)
		if !cannot {
			msg = invert(a, msg)
		}
		if msg != "" {
			if len(docs) > 1 {
				msg = fmt.Sprintf("document %d%s: %s", i+1, describeDoc(d), msg)
			}
			return msg
		}
	}
	return ""
}

// invert applies not: true. A failure that means the assertion could
// not run (a missing path for a value check) stays a failure.
func invert(a *Assert, msg string) string {
	if !a.Not {
		return msg
	}
	if msg == "" {
		return fmt.Sprintf("%s held, and not: true says it must not", a.Type)
	}
	return ""
}

func buildFailed(out *outputs) string {
	return fmt.Sprintf("the app does not build: %s [%s]", out.errors[0].Message, out.errors[0].Code)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func checkFailedBuild(a *Assert, out *outputs) string {
	if out.failed == nil {
		return "the app builds without errors, and the case expects it not to"
	}
	if a.Pattern == nil {
		return ""
	}
	var msgs []string
	for _, d := range out.failed {
		if a.Pattern.MatchString(d.Message) || a.Pattern.MatchString(d.Code) {
			return ""
		}
		msgs = append(msgs, d.Message)
	}
	return fmt.Sprintf("no error matches %q; the errors were:\n%s", a.Pattern, strings.Join(msgs, "\n"))
}

// selectDocs returns the documents of the assertion's artifact that match
// its kind and name.
func selectDocs(a *Assert, out *outputs) ([]any, string) {
	var docs []any
	for _, d := range out.docs[a.Artifact] {
		m, _ := d.(map[string]any)
		if a.Kind != "" && (m == nil || m["kind"] != a.Kind) {
			continue
		}
		if a.Name != "" && (m == nil || describeName(m) != a.Name) {
			continue
		}
		docs = append(docs, d)
	}
	return docs, ""
}

func selector(a *Assert) string {
	var s []string
	if a.Kind != "" {
		s = append(s, "kind "+a.Kind)
	}
	if a.Name != "" {
		s = append(s, "name "+a.Name)
	}
	if len(s) == 0 {
		return ""
	}
	return " " + strings.Join(s, " and ")
}

func describeName(m map[string]any) string {
	md, _ := m["metadata"].(map[string]any)
	n, _ := md["name"].(string)
	return n
}

func describeDoc(d any) string {
	m, ok := d.(map[string]any)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (%v/%s)", m["kind"], describeName(m))
}

// checkDoc evaluates a value assertion on one document. cannot is set
// when the assertion could not run (its path leads nowhere, the value is
// of a type the assertion does not apply to), which not: true must not
// turn into a pass.
func checkDoc(a *Assert, d any) (msg string, cannot bool) {
	if a.Type == "isKind" {
		m, ok := d.(map[string]any)
		if !ok {
			return fmt.Sprintf("the %s artifact is text, which has no kind, so the assertion cannot run", a.Artifact), true
		}
		if m["kind"] != a.Of {
			return fmt.Sprintf("expected kind %s, got %v", a.Of, m["kind"]), false
		}
		return "", false
	}
	v, _, err := a.steps.Resolve(d)
	switch a.Type {
	case "exists":
		if err != nil {
			return fmt.Sprintf("%s does not exist: %v", a.Path, err), false
		}
		return "", false
	case "notExists":
		if err == nil {
			return fmt.Sprintf("%s exists: %s", a.Path, show(v)), false
		}
		return "", false
	}
	if err != nil {
		return fmt.Sprintf("path %s: %v, so the assertion cannot run", a.Path, err), true
	}
	if why := cannotRun(a, v); why != "" {
		return why + ", so the assertion cannot run", true
	}
	return checkValue(a, v), false
}

// cannotRun says why an assertion does not apply to the value its path
// leads to, or "": a pattern matches only a string, contains looks in a
// list, a map or a string (for a string, content is a string too), and
// lengthEqual counts a list or a map.
func cannotRun(a *Assert, v any) string {
	switch a.Type {
	case "matchRegex", "notMatchRegex":
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("%s is %s, not a string a pattern can match", pathOr(a.Path), show(v))
		}
	case "contains", "notContains":
		if _, why := contains(v, a.Value); why != "" {
			return fmt.Sprintf("%s %s", pathOr(a.Path), why)
		}
	case "lengthEqual":
		switch v.(type) {
		case []any, map[string]any:
		default:
			return fmt.Sprintf("%s is %s, which has no length", pathOr(a.Path), show(v))
		}
	}
	return ""
}

// checkValue evaluates an assertion on the value its path leads to, once
// cannotRun has found that it applies.
func checkValue(a *Assert, v any) string {
	switch a.Type {
	case "equal":
		if !equal(v, a.Value) {
			return mismatch(a.Path, a.Value, v)
		}
	case "notEqual":
		if equal(v, a.Value) {
			return fmt.Sprintf("%s is %s, and the case says it must not be", a.Path, show(v))
		}
	case "matchRegex", "notMatchRegex":
		s, _ := v.(string)
		if a.Pattern.MatchString(s) != (a.Type == "matchRegex") {
			verb := "does not match"
			if a.Type == "notMatchRegex" {
				verb = "matches"
			}
			return fmt.Sprintf("%s %s %q: %s", pathOr(a.Path), verb, a.Pattern, show(s))
		}
	case "contains", "notContains":
		has, _ := contains(v, a.Value)
		if has != (a.Type == "contains") {
			verb := "does not contain"
			if a.Type == "notContains" {
				verb = "contains"
			}
			return fmt.Sprintf("%s %s %s; it is:\n%s", pathOr(a.Path), verb, show(a.Value), show(v))
		}
	case "isSubset":
		if !isSubset(v, a.Value) {
			return fmt.Sprintf("%s does not include %s; it is:\n%s", pathOr(a.Path), show(a.Value), show(v))
		}
	case "lengthEqual":
		n := 0
		switch v := v.(type) {
		case []any:
			n = len(v)
		case map[string]any:
			n = len(v)
		}
		if n != a.Count {
			return fmt.Sprintf("%s has %d elements, expected %d", a.Path, n, a.Count)
		}
	}
	return ""
}

func pathOr(p string) string {
	if p == "" {
		return "the document"
	}
	return p
}

// contains reports whether v (a list, a string or a map) contains want:
// an element equal to it (a map element: one that includes want's
// fields), a substring, or the map's fields.
func contains(v, want any) (bool, string) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if isSubset(e, want) {
				return true, ""
			}
		}
		return false, ""
	case string:
		s, ok := want.(string)
		if !ok {
			return false, "is a string; content must be a string too"
		}
		return strings.Contains(v, s), ""
	case map[string]any:
		if _, ok := want.(map[string]any); !ok {
			return false, "is a map; content must be a map of fields too"
		}
		return isSubset(v, want), ""
	}
	return false, fmt.Sprintf("is %s, which holds nothing", show(v))
}

// mismatch says expected against actual, with a diff when they span lines.
func mismatch(path string, want, got any) string {
	w, g := show(want), show(got)
	if !strings.Contains(w+g, "\n") {
		return fmt.Sprintf("%s: expected %s, got %s", path, w, g)
	}
	d := diff.Diff("expected", []byte(w+"\n"), "actual", []byte(g+"\n"))
	return fmt.Sprintf("%s differs from what the case expects:\n%s", path, strings.TrimRight(string(d), "\n"))
}
