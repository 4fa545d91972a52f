package fix

import (
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

var opts = Options{
	Today:    time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	Defaults: map[string]string{"spec.resources.cpu": "100m", "spec.resources.memory": "128Mi"},
	Rules:    func(id string) bool { return !strings.Contains(id, "/") },
}

func loadDoc(t *testing.T, name, src string) *load.Doc {
	t.Helper()
	doc, ds := load.Load(source.NewFile(name, []byte(src)), load.Options{})
	if doc == nil {
		t.Fatalf("load: %v", ds)
	}
	return doc
}

// finding is a guardrail diagnostic at path, as the build positions it.
func finding(doc *load.Doc, code, path string) diag.Diagnostic {
	pos, end, _ := doc.Locate(pathOf(path))
	return diag.Diagnostic{Pos: pos, End: end, Severity: diag.Error, Code: code, Path: path}
}

// only applies the one fix titled with prefix and returns the new text.
func only(t *testing.T, doc *load.Doc, d diag.Diagnostic, prefix string) string {
	t.Helper()
	for _, f := range For(doc, d, opts) {
		if strings.HasPrefix(f.Title, prefix) {
			out, err := Apply(doc.File.Content, f.Edits)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
	}
	t.Fatalf("no fix %q for %s among %v", prefix, d.Code, For(doc, d, opts))
	return ""
}

const app = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: shop   # the shop
  owner: team-shop
spec:
  image: nginx:latest  # keep me
  prot: 8080
  sla:
    availability: 99.95
  scaling:
    min: 1 # too few
    max: 2
  patches:
    - target: {kind: Deployment}
      patch: |-
        - op: add
          path: /x
          value: y

# trailing comment
`

func TestMisspelledField(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc := loadDoc(t, "kiln.yaml", app)
	_, ds := check.Check(doc, s)
	var d diag.Diagnostic
	for _, x := range ds {
		if x.Code == "schema/unknown-field" {
			d = x
		}
	}
	got := only(t, doc, d, "Change")
	if want := strings.Replace(app, "  prot: 8080", "  port: 8080", 1); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRaiseMinAndMax(t *testing.T) {
	doc := loadDoc(t, "kiln.yaml", app)
	got := only(t, doc, finding(doc, "replicas-meet-sla", "spec.scaling.min"), "Raise")
	want := strings.Replace(strings.Replace(app, "min: 1 # too few", "min: 3 # too few", 1), "max: 2", "max: 3", 1)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRaiseMinInEnvironment(t *testing.T) {
	src := "spec:\n  sla: {availability: 99}\n  environments:\n    prod:\n      sla: {availability: 99.99}\n      scaling: {min: 2, max: 10}\n"
	doc := loadDoc(t, "kiln.yaml", src)
	got := only(t, doc, finding(doc, "replicas-meet-sla", "spec.environments.prod.scaling.min"), "Raise")
	if want := strings.Replace(src, "min: 2,", "min: 5,", 1); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteResources(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"block, after a block scalar", app, strings.Replace(app, "          value: y\n", "          value: y\n  resources:\n    cpu: 100m\n    memory: 128Mi\n", 1)},
		{"flow", "spec: {image: x, port: 80}\n", "spec: {image: x, port: 80, resources: {\"cpu\": \"100m\", \"memory\": \"128Mi\"}}\n"},
		{"json", "{\n  \"spec\": {\n    \"port\": 80\n  }\n}\n", "{\n  \"spec\": {\n    \"port\": 80,\n    \"resources\": {\"cpu\": \"100m\", \"memory\": \"128Mi\"}\n  }\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "kiln.yaml"
			if tc.name == "json" {
				name = "kiln.json"
			}
			doc := loadDoc(t, name, tc.src)
			if got := only(t, doc, finding(doc, "resources-set", "spec"), "Set spec.resources"); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestWaiverSkeleton(t *testing.T) {
	doc := loadDoc(t, "kiln.yaml", app)
	got := only(t, doc, finding(doc, "image-pinned", "spec.image"), "Waive")
	want := strings.Replace(app, "          value: y\n", "          value: y\n  waivers:\n    - rule: image-pinned\n      reason: \"\"\n      expires: \"2026-12-31\"\n", 1)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A second waiver joins the list.
	doc = loadDoc(t, "kiln.yaml", got)
	got2 := only(t, doc, finding(doc, "no-privileged", "spec"), "Waive")
	if !strings.Contains(got2, "expires: \"2026-12-31\"\n    - rule: no-privileged\n      reason: \"\"\n") {
		t.Errorf("second waiver not appended to the list:\n%s", got2)
	}
	for _, f := range For(doc, finding(doc, "no-privileged", "spec"), opts) {
		if strings.HasPrefix(f.Title, "Waive") && f.Complete {
			t.Error("a waiver without a reason is offered as complete")
		}
	}
}

func TestPinImage(t *testing.T) {
	doc := loadDoc(t, "kiln.yaml", app)
	got := only(t, doc, finding(doc, "image-pinned", "spec.image"), "Pin")
	if want := strings.Replace(app, "nginx:latest", "nginx:<version>", 1); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	doc = loadDoc(t, "kiln.yaml", "spec:\n  image: \"ghcr.io:5000/a/b\"\n")
	got = only(t, doc, finding(doc, "image-pinned", "spec.image"), "Pin")
	if want := "spec:\n  image: \"ghcr.io:5000/a/b:<version>\"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A value CUE computes is not its text: kiln does not rewrite it.
func TestComputedValuesAreLeftAlone(t *testing.T) {
	doc := loadDoc(t, "kiln.cue", "spec: {\n\tsla: availability: 99.95\n\tscaling: {min: 1 + 0, max: 5}\n}\n")
	for _, f := range For(doc, finding(doc, "replicas-meet-sla", "spec.scaling.min"), opts) {
		if strings.HasPrefix(f.Title, "Raise") {
			t.Errorf("fix offered for a computed value: %v", f)
		}
	}
}

func TestApplyRefusesOverlaps(t *testing.T) {
	if _, err := Apply([]byte("abcdef"), []Edit{{1, 3, "x"}, {2, 4, "y"}}); err == nil {
		t.Error("overlapping edits applied")
	}
	out, err := Apply([]byte("abcdef"), []Edit{{4, 4, "!"}, {0, 1, "A"}})
	if err != nil || string(out) != "Abcd!ef" {
		t.Errorf("Apply = %q, %v", out, err)
	}
}

// A file with CRLF line endings keeps them in what a fix inserts.
func TestCRLF(t *testing.T) {
	src := "spec:\r\n  image: nginx:latest\r\n  port: 80\r\n"
	doc := loadDoc(t, "kiln.yaml", src)
	got := only(t, doc, finding(doc, "resources-set", "spec"), "Set spec.resources")
	if want := src + "  resources:\r\n    cpu: 100m\r\n    memory: 128Mi\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// So does a file with classic Mac OS line endings (a lone \r), whose
// lines the fixes find as in any other: the same fixes, the same text.
func TestCROnly(t *testing.T) {
	cr := func(s string) string { return strings.ReplaceAll(s, "\n", "\r") }
	for _, tc := range []struct{ code, path, title string }{
		{"resources-set", "spec", "Set spec.resources"},
		{"image-pinned", "spec.image", "Waive"},
		{"replicas-meet-sla", "spec.scaling.min", "Raise"},
	} {
		lf := loadDoc(t, "kiln.yaml", app)
		want := only(t, lf, finding(lf, tc.code, tc.path), tc.title)
		doc := loadDoc(t, "kiln.yaml", cr(app))
		if got := only(t, doc, finding(doc, tc.code, tc.path), tc.title); got != cr(want) {
			t.Errorf("%s: got %q, want %q", tc.code, got, cr(want))
		}
	}
}

// A quoted string over several lines looks like lines of a mapping to a
// text edit: the insertion would land inside it. Such a fix is not
// offered, rather than one that changes another value.
func TestNoFixThatChangesAnotherValue(t *testing.T) {
	src := "spec:\n  image: x\n  note: \"a\n b\"\n"
	doc := loadDoc(t, "kiln.yaml", src)
	for _, f := range For(doc, finding(doc, "resources-set", "spec"), opts) {
		out, _ := Apply(doc.File.Content, f.Edits)
		after := loadDoc(t, "kiln.yaml", string(out))
		if n := after.Lookup([]string{"spec", "note"}); n == nil || n.Scalar != "a b" || after.Lookup([]string{"spec", "resources"}) == nil {
			t.Errorf("%s gave\n%s", f.Title, out)
		}
	}
}
