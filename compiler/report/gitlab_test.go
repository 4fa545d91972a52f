package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// The report is GitLab's subset of Code Climate issues: every field
// GitLab requires, its severities, paths from the repository root, and
// no waived findings.
func TestGitLabShape(t *testing.T) {
	f := source.NewFile("apps/a/kiln.yaml", []byte("a: 1\nb: 2\nc: 3\n"))
	ds := diag.List{
		{Pos: f.Pos(5), Severity: diag.Error, Kind: diag.Finding, Code: "image-pinned", Message: "not pinned", Environments: []string{"prod"}},
		{Pos: f.Pos(0), Severity: diag.Error, Kind: diag.Input, Code: "schema/type", Message: "not a number"},
		{Pos: f.Pos(10), Severity: diag.Warning, Kind: diag.Finding, Code: "sla-declared", Message: "no sla"},
		{Pos: f.Pos(10), Severity: diag.Info, Kind: diag.Finding, Code: "image-digest", Message: "no digest"},
		{Pos: f.Pos(10), Severity: diag.Error, Kind: diag.Finding, Code: "w", Message: "waived", Waived: "because"},
		{Severity: diag.Error, Kind: diag.Internal, Message: "no position"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "gitlab", nil, ds, Options{Root: "/repo", Dir: "/repo/sub"}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	type want struct{ check, severity, path, description, line string }
	wants := []want{
		{"image-pinned", "major", "sub/apps/a/kiln.yaml", "not pinned (environment prod)", "2"},
		{"schema/type", "critical", "sub/apps/a/kiln.yaml", "not a number", "1"},
		{"sla-declared", "minor", "sub/apps/a/kiln.yaml", "no sla", "3"},
		{"image-digest", "info", "sub/apps/a/kiln.yaml", "no digest", "3"},
		{"kiln", "critical", ".", "no position", "1"},
	}
	if len(got) != len(wants) {
		t.Fatalf("%d issues, want %d (the waived one left out): %s", len(got), len(wants), buf.String())
	}
	seen := map[any]bool{}
	for i, w := range wants {
		g := got[i]
		loc, _ := g["location"].(map[string]any)
		lines, _ := loc["lines"].(map[string]any)
		if g["check_name"] != w.check || g["severity"] != w.severity || loc["path"] != w.path || g["description"] != w.description ||
			lines["begin"] != json.Number(w.line) {
			t.Errorf("issue %d = %v, want %+v", i, g, w)
		}
		if fp, _ := g["fingerprint"].(string); len(fp) != 32 || seen[fp] {
			t.Errorf("issue %d: fingerprint %q is not 32 hex digits, or not unique", i, fp)
		}
		seen[g["fingerprint"]] = true
		if len(g) != 5 {
			t.Errorf("issue %d has fields %v, want description, check_name, fingerprint, severity, location", i, g)
		}
	}
}

// A finding that moves to another line keeps its fingerprint, which is
// how GitLab's merge request widget tells a new finding from an old one;
// two of one kind in one place get two fingerprints.
func TestGitLabFingerprintFollowsTheFinding(t *testing.T) {
	a := source.NewFile("k.yaml", []byte("x: 1\n"))
	b := source.NewFile("k.yaml", []byte("# moved\n\nx: 1\n"))
	fp := func(ds diag.List) []string {
		var buf bytes.Buffer
		GitLab(&buf, ds, Options{})
		var issues []gitlabIssue
		json.Unmarshal(buf.Bytes(), &issues)
		var out []string
		for _, i := range issues {
			out = append(out, i.Fingerprint)
		}
		return out
	}
	d := diag.Diagnostic{Pos: a.Pos(0), Severity: diag.Error, Code: "c", Path: "x", Message: "m"}
	moved := d
	moved.Pos = b.Pos(9)
	before, after := fp(diag.List{d, d}), fp(diag.List{moved, moved})
	if before[0] != after[0] || before[1] != after[1] {
		t.Errorf("fingerprints changed when the finding moved: %v, %v", before, after)
	}
	if before[0] == before[1] {
		t.Error("two findings share a fingerprint")
	}
}
