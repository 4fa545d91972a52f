package appdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func manifest(name, image string) []byte {
	return []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  template:
    spec:
      containers:
      - image: %s
        name: %s
`, name, image, name))
}

func app(name, def string, envs ...string) App {
	a := App{Name: name, Definition: def, Envs: map[string][]byte{}}
	for i := 0; i+1 < len(envs); i += 2 {
		a.Envs[envs[i]] = manifest(name, envs[i+1])
	}
	return a
}

func TestCompareMatchesByPathThenName(t *testing.T) {
	base := []App{
		app("web", "shop/web/kiln.yaml", "prod", "web:1", "staging", "web:1"),
		app("billing", "billing/kiln.yaml", "default", "billing:1"),
		app("cart", "cart/kiln.yaml", "default", "cart:1"),
		app("old", "old/kiln.yaml", "default", "old:1"),
	}
	head := []App{
		app("web", "shop/web/kiln.yaml", "prod", "web:2", "staging", "web:1", "dev", "web:1"),
		app("invoices", "billing/kiln.yaml", "default", "billing:1"), // renamed in place
		app("cart", "shop/cart/kiln.yaml", "default", "cart:1"),      // moved, unchanged
		app("new", "new/kiln.yaml", "default", "new:1"),
	}
	r, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	// cart moved with the same manifests: no change to the cluster.
	if r.Total != 5 || r.Unchanged != 1 {
		t.Errorf("total %d, unchanged %d; want 5, 1", r.Total, r.Unchanged)
	}
	var got []string
	for _, a := range r.Apps {
		s := fmt.Sprintf("%s %s (was %q %q):", a.Name, a.Status, a.OldName, a.OldDefinition)
		for _, e := range a.Envs {
			ad, ch, rm := e.Counts()
			s += fmt.Sprintf(" %s %s +%d ~%d -%d", e.Name, e.Status, ad, ch, rm)
		}
		got = append(got, s)
	}
	want := []string{
		`invoices changed (was "billing" ""): default changed +1 ~0 -1`,
		`new added (was "" ""): default added +1 ~0 -0`,
		`old removed (was "" ""): default removed +0 ~0 -1`,
		`web changed (was "" ""): dev added +1 ~0 -0 prod changed +0 ~1 -0`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	prod := r.Apps[3].Envs[1]
	if f := prod.Objects[0].Fields; len(f) != 1 || f[0].Path != "spec.template.spec.containers[name=web].image" {
		t.Errorf("prod's fields: %+v", f)
	}
	if !strings.HasPrefix(prod.Diff, "--- a/web/rendered/prod.yaml\n+++ b/web/rendered/prod.yaml\n") {
		t.Errorf("prod's diff:\n%s", prod.Diff)
	}
	if d := r.Apps[1].Envs[0].Diff; !strings.HasPrefix(d, "--- /dev/null\n+++ b/new/rendered/default.yaml\n") {
		t.Errorf("an added app's diff:\n%s", d)
	}
	var md bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "`cart`") {
		t.Errorf("an app moved with the same manifests is in the table:\n%s", md.String())
	}
	for _, row := range []string{
		"| `web` | `dev` | added | 1 | 0 | 0 |",
		"| `old` | `default` | removed | 0 | 0 | 1 |",
	} {
		if !strings.Contains(md.String(), row+"\n") {
			t.Errorf("the table lacks %s:\n%s", row, md.String())
		}
	}
}

// The same objects written otherwise (key order, another indent) are no
// change: the diff is of meaning, not of bytes.
func TestCompareIgnoresFormatting(t *testing.T) {
	a := app("web", "web/kiln.yaml", "prod", "web:1")
	b := App{Name: "web", Definition: "web/kiln.yaml", Envs: map[string][]byte{"prod": []byte(
		"kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: web, image: 'web:1'}]}}}\n")}}
	r, err := Compare([]App{a}, []App{b})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Apps) != 0 || r.Unchanged != 1 {
		t.Fatalf("reformatted manifests changed: %+v", r.Apps)
	}
}

// A large change stays within what a pull-request comment holds: the
// apps that do not fit are named, and the report says how to see them.
func TestMarkdownIsBounded(t *testing.T) {
	var base, head []App
	for i := range 60 {
		name := fmt.Sprintf("app%02d", i)
		var old, new strings.Builder
		for j := range 400 {
			fmt.Fprintf(&old, "# line %d\n", j)
			fmt.Fprintf(&new, "# line %d changed\n", j)
		}
		// Comments: the same objects, a long diff of the text.
		base = append(base, App{Name: name, Definition: name + "/kiln.yaml", Envs: map[string][]byte{"prod": append([]byte(old.String()), manifest(name, "x:1")...)}})
		head = append(head, App{Name: name, Definition: name + "/kiln.yaml", Envs: map[string][]byte{"prod": append([]byte(new.String()), manifest(name, "x:2")...)}})
	}
	r, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	r.Base, r.Head = "main (abc1234)", "the working tree"
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if b.Len() > maxMarkdown {
		t.Errorf("the report is %d bytes, over %d", b.Len(), maxMarkdown)
	}
	for _, want := range []string{
		"60 of 60 apps changed: 0 objects added, 60 changed, 0 removed.",
		"10 more rows not shown.",
		"# … 513 more lines not shown",
		"more apps' diffs are not shown, to keep this report under 60000 characters: ",
		"46 more apps' diffs are not shown", "`app43`, and 16 more. Run `kiln diff` locally",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md[max(0, len(md)-3000):])
		}
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("unbalanced <details>")
	}
}

func TestMarkdownFencesHoldBackticks(t *testing.T) {
	if got := fence("a ``` b"); got != "````" {
		t.Errorf("fence = %q", got)
	}
	if got := code("a`b"); got != "``a`b``" {
		t.Errorf("code = %q", got)
	}
}

func TestJSONShape(t *testing.T) {
	r, err := Compare([]App{app("web", "web/kiln.yaml", "prod", "web:1")}, []App{app("web", "web/kiln.yaml", "prod", "web:2")})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := JSON(&b, r, Side{Ref: "main", Commit: "abc"}, Side{WorkingTree: true}, nil, 0); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Base, Head map[string]any
		Summary    map[string]int
		Apps       []struct {
			Environments []struct {
				Objects []struct {
					Kind, Status string
					Fields       []struct {
						Path     string
						Old, New any
					}
				}
			}
		}
		Problems []any
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	f := got.Apps[0].Environments[0].Objects[0].Fields[0]
	if got.Head["workingTree"] != true || got.Summary["objectsChanged"] != 1 || got.Problems == nil ||
		f.Path != "spec.template.spec.containers[name=web].image" || f.Old != "web:1" || f.New != "web:2" {
		t.Fatalf("unexpected report:\n%s", b.String())
	}
}
