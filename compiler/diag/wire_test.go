package diag

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// every returns a Diagnostic with every field set, in two files, and
// fails t when a field of Diagnostic is left zero: a field added to the
// type must be added to the wire too, or this test says so.
func every(t *testing.T, app, rego *source.File) Diagnostic {
	d := Diagnostic{Pos: app.Pos(3), End: app.Pos(7), Severity: Warning, Code: "image-pinned", Message: "image nginx is not pinned",
		Path: "spec.image", Suggestion: "nginx:1.27", Waived: "legacy", WaivedInSource: true, Object: "Deployment/shop",
		ObjectPath: `metadata.annotations."a.b/c"`, Environments: []string{"prod", "staging"}, Kind: Finding,
		Related: []Related{{Pos: rego.Pos(0), End: rego.Pos(5), Message: "the rule image-pinned"}}}
	v := reflect.ValueOf(d)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("the fixture leaves Diagnostic.%s zero: set it, and carry it in Wire", v.Type().Field(i).Name)
		}
	}
	return d
}

func TestWireRoundTrip(t *testing.T) {
	app := source.NewFile("apps/shop/kiln.yaml", []byte("spec: {image: nginx}\n"))
	rego := source.NewFile("policies/pinned.rego", []byte("package kiln.rules.pinned\n"))
	d := every(t, app, rego)
	b, err := json.Marshal(ToWire(List{d, {Severity: Error, Code: "internal", Message: "no position", Kind: Internal}}))
	if err != nil {
		t.Fatal(err)
	}
	var w []Wire
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	files := map[string]*source.File{app.Name: app, rego.Name: rego}
	got := Resolve(w, func(name string) *source.File { return files[name] })
	want := List{d, {Severity: Error, Code: "internal", Message: "no position", Kind: Internal}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestResolveUnknownFile(t *testing.T) {
	w := []Wire{
		{File: "gone.yaml", Pos: 0, End: 0, Severity: Error, Code: "load/read", Message: "cannot read the file", Kind: Input},
		{File: "elsewhere.yaml", Pos: 12, End: 14, Severity: Error, Code: "x", Message: "m", Kind: Finding},
	}
	got := Resolve(w, func(string) *source.File { return nil })
	if p := got[0].Pos; !p.Valid() || p.File.Name != "gone.yaml" || p.Offset != 0 || got[0].End.File != p.File {
		t.Errorf("the start of an unreadable file: got %+v", got[0])
	}
	if got[1].Pos.Valid() || got[1].End.Valid() {
		t.Errorf("a position in a file the reader cannot give must be dropped, got %+v", got[1])
	}
}

func TestFromWireOneFile(t *testing.T) {
	f := source.NewFile("kiln.cue", []byte("package app\n"))
	d := Diagnostic{Pos: f.Pos(8), End: f.Pos(11), Severity: Error, Code: "load/cue", Message: "m", Kind: Input}
	got := FromWire(source.NewFile("kiln.cue", f.Content), ToWire(List{d}))
	if got[0].Pos.Offset != 8 || got[0].End.Offset != 11 || got[0].Kind != Input {
		t.Errorf("got %+v", got[0])
	}
}
