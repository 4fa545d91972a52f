package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// shardReport writes the JSON report of one shard, as kiln check does.
func shardReport(t *testing.T, shard string, total int, files []string, ds diag.List, tests []TestCase) *Part {
	t.Helper()
	var fs []File
	for _, f := range files {
		fs = append(fs, File{Name: f, Valid: true})
	}
	exit := 0
	var buf bytes.Buffer
	err := JSONWith(&buf, fs, ds, Options{Version: "v1.2.3", FailOn: "error", ExitCode: &exit, Tests: tests,
		Rules: []Rule{{ID: "image-pinned", Title: "Images are pinned", Severity: diag.Error, HelpURI: "https://x/#image-pinned"}},
		Scope: &Scope{Shard: shard, Checked: files, Unaffected: []string{}, Total: total}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPart("shard-"+strings.ReplaceAll(shard, "/", "-")+".json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Findings come back at the same line and column (the JSON counts bytes:
// é is two), with their fields, from the file on disk; a file that is
// gone keeps its findings' lines and columns; a finding of the
// repository every shard reports is reported once.
func TestMergeRebuildsPositions(t *testing.T) {
	a := source.NewFile("apps/a/kiln.yaml", []byte("metadata:\n  name: café_x\n  owner: t\n"))
	b := source.NewFile("apps/b/kiln.yaml", []byte("x: 1\n\n\n      image: y\n"))
	cfg := source.NewFile(".kiln/config.yaml", []byte("waivers:\n  - rule: gone\n"))
	waiver := diag.Diagnostic{Pos: cfg.Pos(11), End: cfg.Pos(23), Severity: diag.Error, Kind: diag.Finding, Code: "waiver/unknown-rule", Message: "no such rule"}
	da := diag.Diagnostic{Pos: a.Pos(23), End: a.Pos(25), Severity: diag.Warning, Kind: diag.Finding, Code: "image-pinned", Message: "m",
		Path: "metadata.name", Object: "Deployment/a", ObjectPath: "spec.x", Environments: []string{"prod", "qa"},
		Related: []diag.Related{{Pos: cfg.Pos(0), Message: "the rule"}}}
	db := diag.Diagnostic{Pos: b.Pos(14), End: b.Pos(19), Severity: diag.Error, Kind: diag.Input, Code: "schema/type", Message: "n", Waived: "because"}
	p1 := shardReport(t, "1/2", 2, []string{"apps/a/kiln.yaml"}, diag.List{da, waiver}, []TestCase{{File: "apps/a/kiln_test.yaml", Name: "one", Status: "passed"}})
	p2 := shardReport(t, "2/2", 2, []string{"apps/b/kiln.yaml"}, diag.List{db, waiver}, nil)
	disk := map[string]*source.File{a.Name: a, cfg.Name: cfg} // apps/b is not in this checkout
	m, err := Merge([]*Part{p2, p1}, func(name string) []byte {
		if f := disk[name]; f != nil {
			return f.Content
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Diagnostics) != 3 {
		t.Fatalf("%d findings, want 3 (the repository's once): %v", len(m.Diagnostics), m.Diagnostics)
	}
	for _, want := range []diag.Diagnostic{waiver, da, db} {
		i := -1
		for j, d := range m.Diagnostics {
			if d.Code == want.Code {
				i = j
			}
		}
		if i < 0 {
			t.Fatalf("%s lost", want.Code)
		}
		got := m.Diagnostics[i]
		gl, gc := got.Pos.LineCol()
		wl, wc := want.Pos.LineCol()
		el, ec := got.End.LineCol()
		wel, wec := want.End.LineCol()
		if gl != wl || gc != wc || el != wel || ec != wec || got.Pos.RuneCol() != want.Pos.RuneCol() && want.Pos.File != b {
			t.Errorf("%s at %d:%d-%d:%d (rune col %d), want %d:%d-%d:%d (%d)", want.Code, gl, gc, el, ec, got.Pos.RuneCol(), wl, wc, wel, wec, want.Pos.RuneCol())
		}
		if got.Message != want.Message || got.Severity != want.Severity || got.Kind != want.Kind || got.Path != want.Path || got.Waived != want.Waived ||
			got.Object != want.Object || got.ObjectPath != want.ObjectPath || strings.Join(got.Environments, ",") != strings.Join(want.Environments, ",") ||
			len(got.Related) != len(want.Related) {
			t.Errorf("%s came back as %+v, want %+v", want.Code, got, want)
		}
		if want.Pos.File != b && got.Pos.File.Content != nil && !bytes.Equal(got.Pos.File.Content, want.Pos.File.Content) {
			t.Errorf("%s: the file was not read from the checkout", want.Code)
		}
	}
	if m.Files[0].Name != "apps/a/kiln.yaml" || m.Files[1].Name != "apps/b/kiln.yaml" || len(m.Tests) != 1 {
		t.Errorf("files %v, tests %v", m.Files, m.Tests)
	}
	if len(m.Options.Rules) != 1 || m.Options.Rules[0].HelpURI != "https://x/#image-pinned" || m.Options.Version != "v1.2.3" || m.Options.FailOn != "error" {
		t.Errorf("options %+v", m.Options)
	}
	if s := m.Options.Scope; s.Total != 2 || strings.Join(s.Checked, ",") != "apps/a/kiln.yaml,apps/b/kiln.yaml" || s.Shard != "" {
		t.Errorf("scope %+v", s)
	}
	if got := m.ExitCode(diag.Error); got != 1 {
		t.Errorf("exit %d, want 1: the waiver's error is a finding", got)
	}
}

// The exit code is the worst: a shard that could not check everything is
// 2 whatever the findings; a failed test is 1 whatever --fail-on.
func TestMergeExitCode(t *testing.T) {
	f := source.NewFile("a.yaml", []byte("a: 1\n"))
	warn := diag.List{{Pos: f.Pos(0), Severity: diag.Warning, Kind: diag.Finding, Code: "w", Message: "w"}}
	read := func(string) []byte { return nil }
	m, _ := Merge([]*Part{shardReport(t, "1/1", 1, []string{"a.yaml"}, warn, nil)}, read)
	if m.ExitCode(diag.Error) != 0 || m.ExitCode(diag.Warning) != 1 {
		t.Errorf("a warning: exit %d at error, %d at warning", m.ExitCode(diag.Error), m.ExitCode(diag.Warning))
	}
	m, _ = Merge([]*Part{shardReport(t, "1/1", 1, []string{"a.yaml"}, nil, []TestCase{{File: "t", Name: "n", Status: "failed"}})}, read)
	if m.ExitCode(diag.Error+1) != 1 {
		t.Error("a failed test must fail the merged run")
	}
	p := shardReport(t, "1/1", 1, []string{"a.yaml"}, nil, nil)
	p.r.Incomplete = true
	m, _ = Merge([]*Part{p}, read)
	if m.ExitCode(diag.Error) != 2 {
		t.Error("an incomplete shard must make the merged run exit 2")
	}
}

func TestMergeRefuses(t *testing.T) {
	s := func(shard string, total int, files ...string) *Part {
		return shardReport(t, shard, total, files, nil, nil)
	}
	other := s("2/4", 4, "b")
	other.r.Kiln = "v9"
	at := func(p *Part, commit string) *Part { p.r.Scope.Commit = commit; return p }
	for name, c := range map[string]struct {
		parts []*Part
		msg   string
	}{
		"none":      {nil, "no reports to merge"},
		"missing":   {[]*Part{s("1/4", 4, "a"), s("2/4", 4, "b"), s("4/4", 4, "d")}, "shard 3/4 missing"},
		"twice":     {[]*Part{s("1/2", 2, "a"), s("1/2", 2, "a"), s("2/2", 2, "b")}, "shard-1-2.json and shard-1-2.json are both shard 1/2"},
		"counts":    {[]*Part{s("1/4", 4, "a"), s("2/3", 4, "b")}, "shard-1-4.json is shard 1/4 and shard-2-3.json shard 2/3"},
		"overlap":   {[]*Part{s("1/2", 2, "a"), s("2/2", 2, "a")}, "shard-1-2.json and shard-2-2.json both checked a"},
		"versions":  {[]*Part{s("1/4", 4, "a"), other}, "written by kiln v1.2.3 and shard-2-4.json by kiln v9"},
		"checkouts": {[]*Part{s("1/2", 2, "a"), s("2/2", 3, "b")}, "the shards checked different checkouts or paths"},
		"whole":     {[]*Part{s("", 2, "a"), s("2/2", 2, "b")}, "not of a shard"},
		"alone":     {[]*Part{s("2/4", 4, "b")}, "shard-2-4.json is shard 2/4 alone"},
		"commits":   {[]*Part{at(s("1/2", 2, "a"), "aaaaaaaaaaaaaaaa"), at(s("2/2", 2, "b"), "bbbbbbbbbbbbbbbb")}, "checked commit aaaaaaaaaaaa and shard-2-2.json commit bbbbbbbbbbbb"},
		"short":     {[]*Part{s("1/2", 3, "a"), s("2/2", 3, "b")}, "the shards checked 2 of the 3 apps they found"},
	} {
		_, err := Merge(c.parts, func(string) []byte { return nil })
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", name, err, c.msg)
		}
	}
	for doc, msg := range map[string]string{
		"not json":       "x.json is not a kiln JSON report: invalid character",
		`[1, 2]`:         "x.json is not a kiln JSON report: json: cannot unmarshal array",
		`{"version": 1}`: "it lacks version, kiln, files or diagnostics",
		`{"a": 1}`:       "it lacks version, kiln, files or diagnostics",
		`{"version": 2, "kiln": "v", "files": [], "diagnostics": []}`: "a JSON report of version 2, newer than this kiln's 1",
		`{"version": 1, "kiln": "v", "files": [], "diagnostics": []}`: "is not a report of kiln check (it has no scope)",
	} {
		if _, err := ReadPart("x.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ReadPart(%s) = %v, want %q", doc, err, msg)
		}
	}
}

// The findings waivers exempted travel in the report whether it shows
// them or not, so that the merged SARIF lists them as suppressed and the
// merged summary counts them.
func TestMergeKeepsWaivedFindings(t *testing.T) {
	f := source.NewFile("a.yaml", []byte("a: 1\n"))
	waived := diag.List{{Pos: f.Pos(3), Severity: diag.Error, Kind: diag.Finding, Code: "image-pinned", Message: "m", Waived: "until the next release", WaivedInSource: true}}
	var buf bytes.Buffer
	scope := &Scope{Shard: "1/1", Checked: []string{"a.yaml"}, Unaffected: []string{}, Total: 1}
	if err := JSONWith(&buf, []File{{Name: "a.yaml"}}, nil, Options{Version: "v1", Waived: waived, Scope: scope}); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPart("a.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge([]*Part{p}, func(string) []byte { return f.Content })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Options.Waived) != 1 || m.Options.Waived[0].Waived != "until the next release" || len(m.Diagnostics) != 0 {
		t.Fatalf("waived %v, findings %v", m.Options.Waived, m.Diagnostics)
	}
	if m.ExitCode(diag.Info) != 0 {
		t.Error("a waived finding failed the merged run")
	}
	buf.Reset()
	SARIF(&buf, m.Diagnostics, m.Options)
	if !strings.Contains(buf.String(), `"justification": "until the next release"`) || !strings.Contains(buf.String(), `"kind": "inSource"`) {
		t.Errorf("the merged SARIF lacks the suppressed result:\n%s", buf.String())
	}
}

// TestMergeDropsWaiversAnotherShardUsed: a repository waiver that shard
// 1 found unused but shard 2 used is no finding of the whole check; one
// no shard used still is.
func TestMergeDropsWaiversAnotherShardUsed(t *testing.T) {
	cfg := source.NewFile(".kiln/config.yaml", []byte("waivers:\n  - rule: a\n  - rule: b\n"))
	unusedA := diag.Diagnostic{Pos: cfg.Pos(13), End: cfg.Pos(20), Severity: diag.Warning, Kind: diag.Finding, Code: "waiver/unused", Message: "the waiver of a matched no finding"}
	unusedB := diag.Diagnostic{Pos: cfg.Pos(26), End: cfg.Pos(33), Severity: diag.Warning, Kind: diag.Finding, Code: "waiver/unused", Message: "the waiver of b matched no finding"}
	p1 := shardReport(t, "1/2", 2, []string{"apps/a/kiln.yaml"}, diag.List{unusedA, unusedB}, nil)
	p2 := shardReport(t, "2/2", 2, []string{"apps/b/kiln.yaml"}, diag.List{unusedB}, nil)
	p2.r.Scope.WaiversUsed = []string{PosString(unusedA.Pos)}
	m, err := Merge([]*Part{p1, p2}, func(name string) []byte {
		if name == cfg.Name {
			return cfg.Content
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Diagnostics) != 1 || !strings.Contains(m.Diagnostics[0].Message, "waiver of b") {
		t.Errorf("findings %v, want the unused waiver of b alone", m.Diagnostics)
	}
}
