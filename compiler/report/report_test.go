package report

import (
	"github.com/santhosh-tekuri/jsonschema/v5"

	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kilnhq/kiln/internal/sariftest"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

func sample() diag.List {
	f := source.NewFile("apps/a/kiln.yaml", []byte("metadata:\n  name: café_x\n"))
	return diag.List{{Pos: f.Pos(18), End: f.Pos(25), Severity: diag.Error, Code: "schema/format",
		Message: "bad name", Path: "metadata.name", Suggestion: "cafe-x"}}
}

func TestTextCaretCountsCharacters(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, sample(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "apps/a/kiln.yaml:2:9: error: bad name [schema/format]\n" +
		"      name: café_x\n" +
		"            ^~~~~~\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestTextColour(t *testing.T) {
	var plain, colour bytes.Buffer
	Text(&plain, sample(), TextOptions{})
	Text(&colour, sample(), TextOptions{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain output has escape codes")
	}
	if !strings.Contains(colour.String(), red+bold+"error"+reset) {
		t.Errorf("coloured output lacks a red severity: %q", colour.String())
	}
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, []File{{Name: "apps/a/kiln.yaml", Format: "yaml", App: "a"}}, sample(), nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version     int
		Diagnostics []map[string]any
		Summary     map[string]int
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	d := got.Diagnostics[0]
	if got.Version != 1 || d["line"] != 2.0 || d["column"] != 9.0 || d["endColumn"] != 16.0 ||
		d["path"] != "metadata.name" || d["suggestion"] != "cafe-x" || got.Summary["errors"] != 1 {
		t.Errorf("unexpected report: %s", buf.String())
	}
}

func TestSummary(t *testing.T) {
	if got := Summary(1, sample()); got != "kiln: 1 app checked: 1 error, 0 warnings" {
		t.Errorf("Summary = %q", got)
	}
	if got := Summary(3, nil); got != "kiln: 3 apps checked: 0 errors, 0 warnings" {
		t.Errorf("Summary = %q", got)
	}
}

func TestLongLinesAreWindowed(t *testing.T) {
	line := strings.Repeat("a", 500) + "X" + strings.Repeat("b", 500)
	f := source.NewFile("f.json", []byte(line))
	var buf bytes.Buffer
	Text(&buf, diag.List{{Pos: f.Pos(500), End: f.Pos(501), Severity: diag.Error, Message: "here"}}, TextOptions{})
	lines := strings.Split(buf.String(), "\n")
	src, caret := []rune(lines[1]), []rune(lines[2])
	if len(src) > 170 || !strings.HasPrefix(lines[1], "    …") || !strings.HasSuffix(lines[1], "…") {
		t.Fatalf("source line not windowed: %q", lines[1])
	}
	if i := slices.Index(caret, '^'); i < 0 || src[i] != 'X' || len(caret) != i+1 {
		t.Errorf("caret at %d does not point at X:\n%s\n%s", i, lines[1], lines[2])
	}
}

func TestSARIFCapsBySeverityAndSaysSo(t *testing.T) {
	f := source.NewFile("k.yaml", []byte("a: 1\n"))
	var ds diag.List
	for i := range sarifMaxResults + 10 {
		sev := diag.Warning
		if i%100 == 0 {
			sev = diag.Error
		}
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(1), Severity: sev, Code: "c", Message: fmt.Sprint(i)})
	}
	var buf bytes.Buffer
	if err := SARIF(&buf, ds, Options{Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results     []struct{ Level string }
			Invocations []struct {
				ToolExecutionNotifications []struct{ Message struct{ Text string } }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != sarifMaxResults {
		t.Fatalf("%d results, want %d", len(run.Results), sarifMaxResults)
	}
	errors := 0
	for _, r := range run.Results {
		if r.Level == "error" {
			errors++
		}
	}
	if errors != (sarifMaxResults+10+99)/100 {
		t.Errorf("%d errors kept; every error must survive the cap", errors)
	}
	if len(run.Invocations) != 1 || !strings.Contains(run.Invocations[0].ToolExecutionNotifications[0].Message.Text, "left out the 10 least severe") {
		t.Errorf("no note about the cap: %+v", run.Invocations)
	}
}

func TestFingerprintIgnoresTheLine(t *testing.T) {
	a := source.NewFile("k.yaml", []byte("x: 1\n"))
	b := source.NewFile("k.yaml", []byte("# moved\n\nx: 1\n"))
	d1 := diag.Diagnostic{Pos: a.Pos(0), Code: "c", Path: "x", Message: "m"}
	d2 := diag.Diagnostic{Pos: b.Pos(9), Code: "c", Path: "x", Message: "m"}
	if fingerprint(stableKey(d1), 0) != fingerprint(stableKey(d2), 0) {
		t.Error("moving a finding changes its fingerprint")
	}
	if d2.Path = "y"; fingerprint(stableKey(d1), 0) == fingerprint(stableKey(d2), 0) {
		t.Error("a different finding has the same fingerprint")
	}
}

func TestGitHubEscapes(t *testing.T) {
	f := source.NewFile("a,b:c.yaml", []byte("x: 1\n"))
	var buf bytes.Buffer
	GitHub(&buf, diag.List{{Pos: f.Pos(0), Severity: diag.Warning, Code: "c", Message: "50% done\nnext"}})
	want := "::warning file=a%2Cb%3Ac.yaml,line=1,col=1,title=kiln c::50%25 done%0Anext\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

var ruleA = Rule{ID: "image-pinned", Title: "Images are pinned", Description: "Why.", Remediation: "Pin it.", Severity: diag.Error,
	HelpURI: "https://example.com/rules.md#image-pinned"}

func TestSARIFDescribesEveryRuleAndSuppressesWaived(t *testing.T) {
	f := source.NewFile("k.yaml", []byte("a: 1\n"))
	ds := diag.List{
		{Pos: f.Pos(0), End: f.Pos(1), Severity: diag.Error, Code: "image-pinned", Message: "m", Waived: "vendor image"},
		{Pos: f.Pos(0), End: f.Pos(1), Severity: diag.Error, Code: "kube/schema", Message: "n"},
	}
	other := Rule{ID: "owner-label", Title: "Owned", Description: "D.", Remediation: "R.", Severity: diag.Warning}
	var buf bytes.Buffer
	if err := SARIF(&buf, ds, Options{Version: "v1", Rules: []Rule{ruleA, other}}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID, Name, HelpURI string
						Help              struct{ Text string }
						Default           struct{ Level string } `json:"defaultConfiguration"`
					}
				}
			}
			Results []struct {
				RuleID       string
				RuleIndex    int
				Suppressions []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules
	if len(rules) != 3 || rules[0].ID != "image-pinned" || rules[0].Name != "ImagePinned" || rules[0].HelpURI != ruleA.HelpURI ||
		rules[0].Help.Text != "Pin it." || rules[1].Default.Level != "warning" || rules[2].ID != "kube/schema" {
		t.Errorf("rule descriptors: %+v", rules)
	}
	for _, r := range run.Results {
		if rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		waived := r.RuleID == "image-pinned"
		if waived != (len(r.Suppressions) == 1) || (waived && r.Suppressions[0].Justification != "vendor image") {
			t.Errorf("%s suppressions: %+v", r.RuleID, r.Suppressions)
		}
	}
}

func TestJUnitHasACasePerRulePerApp(t *testing.T) {
	a := source.NewFile("a/kiln.yaml", []byte("a: 1\n"))
	other := Rule{ID: "owner-label", Severity: diag.Error}
	files := []File{{Name: "a/kiln.yaml", Guarded: true}, {Name: "b/kiln.yaml"}}
	ds := diag.List{
		{Pos: a.Pos(0), Severity: diag.Error, Code: "image-pinned", Message: "not pinned"},
		{Pos: a.Pos(0), Severity: diag.Warning, Code: "owner-label", Message: "waived", Waived: "r"},
	}
	var buf bytes.Buffer
	if err := JUnit(&buf, files, ds, []Rule{ruleA, other}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 3 || got.Fails != 1 || len(got.Suites) != 2 {
		t.Fatalf("tests %d, failures %d, suites %d:\n%s", got.Tests, got.Fails, len(got.Suites), buf.String())
	}
	cases := got.Suites[0].Cases
	if cases[0].Name != "image-pinned" || cases[0].Failure == nil || cases[1].Name != "owner-label" || cases[1].Failure != nil {
		t.Errorf("cases of a/kiln.yaml: %+v", cases)
	}
	if c := got.Suites[1].Cases; len(c) != 1 || c[0].Name != "kiln" {
		t.Errorf("an app the guardrails did not run on has cases %+v", c)
	}
}

// TestSARIFMatchesTheSchema checks a full log against the SARIF 2.1.0
// schema, through go-sarif's copy of it: decoding refuses a property the
// schema does not define, and Validate applies the schema's constraints.
func TestSARIFMatchesTheSchema(t *testing.T) {
	f := source.NewFile("apps/a/kiln.yaml", []byte("spec:\n  image: nginx\n"))
	ds := diag.List{
		{Pos: f.Pos(8), End: f.Pos(13), Severity: diag.Error, Code: "image-pinned", Message: "not pinned", Path: "spec.image"},
		{Pos: f.Pos(8), End: f.Pos(13), Severity: diag.Warning, Code: "owner-label", Message: "waived", Waived: "migrating"},
		{Pos: f.Pos(0), Severity: diag.Info, Code: "schema/x", Message: "note"},
		{Pos: f.Pos(0), Severity: diag.Error, Code: "load/yaml", Message: "cannot parse"},
	}
	outside := source.NewFile("/elsewhere/m.yaml", []byte("a: 1\n"))
	waived := diag.List{
		{Pos: f.Pos(8), End: f.Pos(13), Severity: diag.Warning, Code: "owner-label", Message: "waived", Waived: "migrating"},
		{Pos: outside.Pos(0), Severity: diag.Error, Code: "image-pinned", Message: "in source", Waived: "vendor", WaivedInSource: true},
	}
	var buf bytes.Buffer
	opts := Options{Version: "v1.2.3", Rules: []Rule{ruleA}, Waived: waived, Incomplete: true, Unchecked: ds[3:],
		Root: "/repo", Dir: "/repo/sub"}
	if err := SARIF(&buf, ds, opts); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	var r sarif.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("not SARIF 2.1.0: %v\n%s", err, buf.String())
	}
	schema := sarifSchema(t)
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", strings.NewReader(schema)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("not SARIF 2.1.0: %#v\n%s", err, buf.String())
	}
}

// sarifLog is the part of a SARIF log the tests look at.
type sarifLog struct {
	Runs []struct {
		OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
		Results            []struct {
			RuleID    string `json:"ruleId"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct{ ArtifactLocation artifactLoc }
			}
			Suppressions []struct{ Kind, Justification string }
		}
		Invocations []struct {
			ExecutionSuccessful        bool
			ToolExecutionNotifications []struct {
				Level      string
				Message    struct{ Text string }
				Descriptor struct{ ID string }
				Locations  []struct {
					PhysicalLocation struct{ ArtifactLocation artifactLoc }
				}
			}
		}
	}
}

type artifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

func decodeSARIF(t *testing.T, ds diag.List, opts Options) sarifLog {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, ds, opts); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

// TestSARIFNamesFilesFromTheRepositoryRoot: whatever the working
// directory and however a file was named, its URI is relative to the
// root, which the log declares; a file outside it has a file URI.
func TestSARIFNamesFilesFromTheRepositoryRoot(t *testing.T) {
	var ds diag.List
	for _, name := range []string{"deploy/a.yaml", "../b.yaml", "/repo/c/d.yaml", "/other/e.yaml", "sp ace/f.yaml"} {
		f := source.NewFile(name, []byte("a: 1\n"))
		ds = append(ds, diag.Diagnostic{Pos: f.Pos(0), Severity: diag.Error, Code: "x", Message: name})
	}
	log := decodeSARIF(t, ds, Options{Root: "/repo", Dir: "/repo/sub"})
	want := map[string]artifactLoc{
		"deploy/a.yaml":  {"sub/deploy/a.yaml", "%SRCROOT%"},
		"../b.yaml":      {"b.yaml", "%SRCROOT%"},
		"/repo/c/d.yaml": {"c/d.yaml", "%SRCROOT%"},
		"/other/e.yaml":  {"file:///other/e.yaml", ""},
		"sp ace/f.yaml":  {"sub/sp%20ace/f.yaml", "%SRCROOT%"},
	}
	run := log.Runs[0]
	for _, r := range run.Results {
		if got := r.Locations[0].PhysicalLocation.ArtifactLocation; got != want[r.Message.Text] {
			t.Errorf("%s: artifact location %+v, want %+v", r.Message.Text, got, want[r.Message.Text])
		}
	}
	if got := run.OriginalURIBaseIDs["%SRCROOT%"].URI; got != "file:///repo/" {
		t.Errorf("%%SRCROOT%% is %q, want file:///repo/", got)
	}
}

// TestSARIFSaysWhenKilnCouldNotCheck: a run that exits 2 did not execute
// successfully, and says why in notifications; a complete run did.
func TestSARIFSaysWhenKilnCouldNotCheck(t *testing.T) {
	f := source.NewFile("m.yaml", []byte("a: [\n"))
	bad := diag.Diagnostic{Pos: f.Pos(3), Severity: diag.Error, Code: "load/yaml", Message: "cannot parse"}
	log := decodeSARIF(t, diag.List{bad}, Options{Incomplete: true, Unchecked: diag.List{bad}})
	inv := log.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful {
		t.Fatalf("invocations %+v, want one that did not execute successfully", inv)
	}
	n := inv[0].ToolExecutionNotifications
	if len(n) != 1 || n[0].Level != "error" || n[0].Message.Text != "cannot parse" || n[0].Descriptor.ID != "load/yaml" ||
		n[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "m.yaml" {
		t.Errorf("notifications %+v, want the error that kept kiln from checking", n)
	}
	log = decodeSARIF(t, nil, Options{})
	if inv := log.Runs[0].Invocations; len(inv) != 1 || !inv[0].ExecutionSuccessful || inv[0].ToolExecutionNotifications != nil {
		t.Errorf("a complete run: invocations %+v", inv)
	}
}

// TestSARIFAlwaysListsWaivedFindings: waived findings are suppressed
// results whether or not the run shows them, in source for an app's own
// waiver, external for the repository's, and never listed twice.
func TestSARIFAlwaysListsWaivedFindings(t *testing.T) {
	f := source.NewFile("apps/a/kiln.yaml", []byte("spec: {}\n"))
	repo := finding(f, "repo", "legacy")
	own := finding(f, "own", "vendor")
	own.WaivedInSource = true
	for _, shown := range []bool{false, true} {
		ds := diag.List{finding(f, "open", "")}
		if shown {
			ds = append(ds, repo, own)
		}
		log := decodeSARIF(t, ds, Options{Waived: diag.List{repo, own}})
		got := map[string]string{}
		for _, r := range log.Runs[0].Results {
			kind := "none"
			if len(r.Suppressions) == 1 {
				kind = r.Suppressions[0].Kind + ": " + r.Suppressions[0].Justification
			}
			got[r.Message.Text] = kind
		}
		want := map[string]string{"open": "none", "repo": "external: legacy", "own": "inSource: vendor"}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(log.Runs[0].Results) != 3 {
			t.Errorf("shown=%v: results %v, want %v", shown, got, want)
		}
	}
}

// TestJSONSummaryCountsInfosAndWaived: the summary counts every severity
// and the waived findings, shown or not.
func TestJSONSummaryCountsInfosAndWaived(t *testing.T) {
	f := source.NewFile("a.yaml", []byte("a: 1\n"))
	info := diag.Diagnostic{Pos: f.Pos(0), Severity: diag.Info, Code: "image-digest", Message: "digest"}
	waived := finding(f, "waived", "legacy")
	for _, c := range []struct {
		ds, waived diag.List
	}{{diag.List{info}, diag.List{waived}}, {diag.List{info, waived}, nil}} {
		var buf bytes.Buffer
		if err := JSONWith(&buf, nil, c.ds, Options{Waived: c.waived}); err != nil {
			t.Fatal(err)
		}
		var got struct{ Summary map[string]int }
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"files": 0, "errors": 0, "warnings": 0, "infos": 1, "waived": 1}; fmt.Sprint(got.Summary) != fmt.Sprint(want) {
			t.Errorf("summary %v, want %v", got.Summary, want)
		}
	}
}

// sarifSchema returns the SARIF 2.1.0 schema.
func sarifSchema(t *testing.T) string { return sariftest.Schema(t) }

// finding is a guardrail finding about a field of a Deployment.
func finding(f *source.File, msg, waived string) diag.Diagnostic {
	return diag.Diagnostic{Pos: f.Pos(0), End: f.Pos(1), Severity: diag.Error, Code: "pdb-when-replicated", Path: "spec.replicas",
		Message: msg, Waived: waived, Object: "Deployment/shop", ObjectPath: "spec.replicas"}
}

func sarifResults(t *testing.T, ds diag.List) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := SARIF(&buf, ds, Options{Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct{ Results []map[string]any }
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log.Runs[0].Results
}

func fingerprintOf(r map[string]any) string {
	return r["partialFingerprints"].(map[string]any)["kilnFinding/v2"].(string)
}

// TestFingerprintsAreStable: a finding keeps its fingerprint when its
// message's counts change, when it moves, when it is waived and when the
// message names other environments; two findings with the same place
// get two.
func TestFingerprintsAreStable(t *testing.T) {
	f := source.NewFile("apps/shop/kiln.yaml", []byte("spec:\n  replicas: 3\n"))
	moved := source.NewFile("apps/shop/kiln.yaml", []byte("# moved\nspec:\n  replicas: 3\n"))
	base := fingerprintOf(sarifResults(t, diag.List{finding(f, "Deployment/shop runs 3 replicas without a PodDisruptionBudget", "")})[0])
	for name, d := range map[string]diag.Diagnostic{
		"count":  finding(f, "Deployment/shop runs 5 replicas without a PodDisruptionBudget", ""),
		"waived": finding(f, "Deployment/shop runs 3 replicas without a PodDisruptionBudget", "tracked in OPS-1"),
		"moved":  finding(moved, "Deployment/shop runs 3 replicas without a PodDisruptionBudget", ""),
	} {
		if got := fingerprintOf(sarifResults(t, diag.List{d})[0]); got != base {
			t.Errorf("%s: the fingerprint changed", name)
		}
	}
	other := finding(f, "x", "")
	other.Environments = []string{"staging"}
	rs := sarifResults(t, diag.List{finding(f, "a", ""), finding(f, "b", ""), other})
	if a, b, c := fingerprintOf(rs[0]), fingerprintOf(rs[1]), fingerprintOf(rs[2]); a == b || a == c || b == c || a != base {
		t.Errorf("fingerprints %s %s %s (base %s)", a, b, c, base)
	}
}

// TestTheDocumentIsInTheReports: a guardrail finding names its object,
// environment and field in JSON and SARIF.
func TestTheDocumentIsInTheReports(t *testing.T) {
	f := source.NewFile("apps/shop/kiln.yaml", []byte("spec:\n  replicas: 3\n"))
	d := finding(f, "m", "")
	d.ObjectPath = "spec.template.spec.containers[0].image"
	d.Environments = []string{"prod"} // of several
	var buf bytes.Buffer
	if err := JSON(&buf, nil, diag.List{d}, nil); err != nil {
		t.Fatal(err)
	}
	var got struct{ Diagnostics []map[string]any }
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	jd := got.Diagnostics[0]
	if jd["object"] != "Deployment/shop" || jd["environment"] != "prod" || jd["objectPath"] != "spec.template.spec.containers[0].image" || jd["path"] != "spec.replicas" {
		t.Errorf("JSON: %v", jd)
	}
	r := sarifResults(t, diag.List{d})[0]
	props, _ := r["properties"].(map[string]any)
	if props["object"] != "Deployment/shop" || props["environment"] != "prod" || props["objectPath"] != "spec.template.spec.containers[0].image" {
		t.Errorf("SARIF properties: %v", r["properties"])
	}
	loc := r["locations"].([]any)[0].(map[string]any)
	ll := loc["logicalLocations"].([]any)[0].(map[string]any)
	if loc["physicalLocation"] == nil || ll["fullyQualifiedName"] != "Deployment/shop:spec.template.spec.containers[0].image" {
		t.Errorf("SARIF location: %v", loc)
	}
	plain := diag.Diagnostic{Pos: f.Pos(0), Severity: diag.Error, Code: "schema/x", Message: "m"}
	if r := sarifResults(t, diag.List{plain})[0]; r["properties"] != nil || r["locations"].([]any)[0].(map[string]any)["logicalLocations"] != nil {
		t.Errorf("a finding about no object has them: %v", r)
	}
}

// TestEnvironmentsAreAField: the environments a finding holds in are a
// field; the text report names them after the message as it always has,
// JSON lists them beside a message that does not, SARIF in properties.
func TestEnvironmentsAreAField(t *testing.T) {
	f := source.NewFile("apps/shop/kiln.yaml", []byte("spec:\n  replicas: 3\n"))
	d := finding(f, "Deployment/shop runs 3 replicas without a PodDisruptionBudget", "")
	d.Environments = []string{"prod", "staging"}
	var text bytes.Buffer
	if err := Text(&text, diag.List{d}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "apps/shop/kiln.yaml:1:1: error: Deployment/shop runs 3 replicas without a PodDisruptionBudget (environments prod, staging) [pdb-when-replicated]\n"; !strings.HasPrefix(text.String(), want) {
		t.Errorf("text:\n%s\nwant it to start with\n%s", text.String(), want)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, nil, diag.List{d}, nil); err != nil {
		t.Fatal(err)
	}
	var got struct{ Diagnostics []map[string]any }
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	jd := got.Diagnostics[0]
	if fmt.Sprint(jd["environments"]) != "[prod staging]" || jd["environment"] != nil || strings.Contains(jd["message"].(string), "environments") {
		t.Errorf("JSON: %v", jd)
	}
	r := sarifResults(t, diag.List{d})[0]
	if props := r["properties"].(map[string]any); fmt.Sprint(props["environments"]) != "[prod staging]" {
		t.Errorf("SARIF properties: %v", props)
	}
	if msg := r["message"].(map[string]any)["text"]; msg != d.Message+" (environments prod, staging)" {
		t.Errorf("SARIF message: %v", msg)
	}
}
