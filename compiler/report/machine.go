package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
)

// Formats lists the report formats, for usage messages.
var Formats = []string{"text", "json", "sarif", "github", "junit", "gitlab"}

// Options are what a report may say beyond the findings.
type Options struct {
	Color   bool   // text only
	Version string // kiln's version, for SARIF's tool.driver
	Rules   []Rule // the guardrails the run evaluated, for SARIF's rule descriptors and JUnit's cases
	// Waived are the findings waivers exempted, whether or not the
	// findings show them: SARIF lists them as suppressed results and the
	// JSON summary counts them. Nil: the waived findings among the
	// findings are all there are.
	Waived diag.List
	// Incomplete says kiln could not check everything (exit 2); Unchecked
	// are the errors that say why. SARIF reports the run as not executed
	// successfully, with a notification per error.
	Incomplete bool
	Unchecked  diag.List
	// Root is the repository root, SARIF's %SRCROOT%, and Dir the
	// directory file names are relative to, both absolute: SARIF names
	// files relative to the root whatever the working directory. Empty
	// Root: file names are used as they are.
	Root, Dir string
	// Scope, when set, is what the run covered of the repository (kiln
	// check): the JSON report carries it, and kiln report merge joins
	// the shards' scopes.
	Scope *Scope
	// FailOn and ExitCode are the run's --fail-on and exit code, and
	// Tests its config tests' cases, which the JSON report carries so
	// that kiln report merge can join shards; a nil ExitCode is not
	// known.
	FailOn   string
	ExitCode *int
	Tests    []TestCase
}

// A Scope is what a check covered: the apps it checked and, under
// --base, the ones it left out as unaffected, of all the repository's;
// under --shard, which shard it was.
type Scope struct {
	Shard      string   `json:"shard,omitempty"`  // "i/n"
	Commit     string   `json:"commit,omitempty"` // under --shard, the git commit checked out: the shards of one run share it
	Base       string   `json:"base,omitempty"`   // the git ref of --base
	Checked    []string `json:"checked"`          // the definitions checked, sorted
	Unaffected []string `json:"unaffected"`       // the definitions --base found unaffected, sorted
	Total      int      `json:"total"`            // the apps of the repository (or of the paths given)
	// Everything says why --base checked every app: the change set could
	// not be mapped (a deleted file, a changed policy, an unreadable ref).
	Everything string `json:"everything,omitempty"`
	// WaiversUsed are the repository's waivers the run used, each as
	// file:line:column: a waiver one shard found unused may be another's,
	// which merge tells by them.
	WaiversUsed []string `json:"waiversUsed,omitempty"`
}

// A Rule is a guardrail as reports describe it.
type Rule struct {
	ID, Title, Description, Remediation string
	Severity                            diag.Severity
	HelpURI                             string // its entry in the rules reference
}

// Write writes ds in format. files lists every input checked, in order.
func Write(w io.Writer, format string, files []File, ds diag.List, opts Options) error {
	switch format {
	case "text":
		return Text(w, ds, TextOptions{Color: opts.Color})
	case "json":
		return JSONWith(w, files, ds, opts)
	case "sarif":
		return SARIF(w, ds, opts)
	case "github":
		return GitHub(w, ds)
	case "junit":
		return JUnit(w, files, ds, opts.Rules)
	case "gitlab":
		return GitLab(w, ds, opts)
	}
	return fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats, ", "))
}

// sarifMaxResults is the number of results GitHub code scanning displays
// per run; kiln keeps the most severe and says how many it left out.
const sarifMaxResults = 5000

// SARIF writes a SARIF 2.1.0 log: one rule descriptor per guardrail the
// run evaluated (with its help text and link) and per other finding code,
// a physical location with a real region for every result, a
// partialFingerprints entry so that code scanning follows a finding across
// commits, and waived findings as suppressed results.
func SARIF(w io.Writer, ds diag.List, opts Options) error {
	sorted := withAllWaived(ds, opts.Waived)
	slices.SortStableFunc(sorted, func(a, b diag.Diagnostic) int { return int(b.Severity) - int(a.Severity) })
	dropped := 0
	if len(sorted) > sarifMaxResults {
		dropped = len(sorted) - sarifMaxResults
		sorted = sorted[:sarifMaxResults]
	}
	var rules []map[string]any
	ruleIndex := map[string]int{}
	for _, r := range opts.Rules {
		ruleIndex[r.ID] = len(rules)
		rules = append(rules, sarifRule(r))
	}
	var results []map[string]any
	occurrences := map[string]int{}
	for _, d := range sorted {
		code := d.Code
		if code == "" {
			code = "kiln"
		}
		if _, ok := ruleIndex[code]; !ok {
			ruleIndex[code] = len(rules)
			rules = append(rules, map[string]any{
				"id":                   code,
				"shortDescription":     map[string]any{"text": code},
				"defaultConfiguration": map[string]any{"level": sarifLevel(d.Severity)},
			})
		}
		r := map[string]any{
			"ruleId": code, "ruleIndex": ruleIndex[code], "level": sarifLevel(d.Severity),
			"message": map[string]any{"text": d.Message + d.EnvironmentsSuffix()},
		}
		if d.Pos.Valid() {
			line := d.Pos.File.Name
			region := map[string]any{"startLine": lineOf(d), "startColumn": d.Pos.RuneCol()}
			if d.End.Valid() && d.End.Offset > d.Pos.Offset {
				endLine, _ := d.End.LineCol()
				region["endLine"], region["endColumn"] = endLine, d.End.RuneCol()
			}
			loc := map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": opts.artifact(line),
				"region":           region,
			}}
			if ll := logicalLocation(d); ll != nil {
				loc["logicalLocations"] = []any{ll}
			}
			r["locations"] = []any{loc}
		}
		if rel := opts.relatedLocations(d); rel != nil {
			r["relatedLocations"] = rel
		}
		if props := sarifProperties(d); props != nil {
			r["properties"] = props
		}
		key := stableKey(d)
		r["partialFingerprints"] = map[string]any{"kilnFinding/v2": fingerprint(key, occurrences[key])}
		occurrences[key]++
		if d.Waived != "" {
			kind := "external" // .kiln/config.yaml
			if d.WaivedInSource {
				kind = "inSource" // the app's spec.waivers
			}
			r["suppressions"] = []any{map[string]any{"kind": kind, "status": "accepted", "justification": d.Waived}}
		}
		results = append(results, r)
	}
	run := map[string]any{
		"tool": map[string]any{"driver": map[string]any{
			"name": "kiln", "version": opts.Version, "informationUri": "https://github.com/kilnhq/kiln", "rules": orEmpty(rules),
		}},
		"columnKind":  "unicodeCodePoints",
		"results":     orEmpty(results),
		"invocations": []any{opts.invocation(dropped)},
	}
	if opts.Root != "" {
		run["originalUriBaseIds"] = map[string]any{"%SRCROOT%": map[string]any{
			"uri":         fileURI(opts.Root) + "/",
			"description": map[string]any{"text": "the repository root"},
		}}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs":    []any{run},
	})
}

// withAllWaived returns the findings, most severe first, with the waived
// ones whether or not the run shows them.
func withAllWaived(ds, waived diag.List) diag.List {
	out := slices.Clone(ds)
	if waived != nil {
		out = slices.DeleteFunc(out, func(d diag.Diagnostic) bool { return d.Waived != "" })
		out = append(out, waived...).Sort()
	}
	slices.SortStableFunc(out, func(a, b diag.Diagnostic) int { return int(b.Severity) - int(a.Severity) })
	return out
}

// invocation says whether kiln checked everything it was given: a run
// that could not (exit 2) did not execute successfully, and each error
// that kept it from checking is a notification, as is the number of
// findings left out.
func (o Options) invocation(dropped int) map[string]any {
	var notes []any
	for _, d := range o.Unchecked {
		n := map[string]any{"level": "error", "message": map[string]any{"text": d.Message + d.EnvironmentsSuffix()}}
		if d.Code != "" {
			n["descriptor"] = map[string]any{"id": d.Code}
		}
		if d.Pos.Valid() {
			n["locations"] = []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": o.artifact(d.Pos.File.Name),
				"region":           map[string]any{"startLine": lineOf(d), "startColumn": d.Pos.RuneCol()},
			}}}
		}
		notes = append(notes, n)
	}
	if dropped > 0 {
		notes = append(notes, map[string]any{
			"level":   "warning",
			"message": map[string]any{"text": fmt.Sprintf("kiln left out the %d least severe findings: code scanning shows at most %d per run", dropped, sarifMaxResults)},
		})
	}
	inv := map[string]any{"executionSuccessful": !o.Incomplete}
	if notes != nil {
		inv["toolExecutionNotifications"] = notes
	}
	return inv
}

// artifact is the artifactLocation of the file kiln calls name: relative
// to the repository root (%SRCROOT%), as code scanning matches results
// to files, wherever kiln ran and however the file was named; an
// absolute file URI for a file outside the repository.
func (o Options) artifact(name string) map[string]any {
	if o.Root == "" {
		return map[string]any{"uri": uriPath(filepath.ToSlash(name)), "uriBaseId": "%SRCROOT%"}
	}
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(o.Dir, name)
	}
	rel, err := filepath.Rel(o.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return map[string]any{"uri": fileURI(abs)}
	}
	return map[string]any{"uri": uriPath(filepath.ToSlash(rel)), "uriBaseId": "%SRCROOT%"}
}

// uriPath escapes a slash-separated relative path as a URI reference.
func uriPath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

// fileURI is the file URI of an absolute path.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// logicalLocation names the document a guardrail finding is about, and
// the field in it: Deployment/shop, spec.template.spec.containers[0].image.
func logicalLocation(d diag.Diagnostic) map[string]any {
	if d.Object == "" {
		return nil
	}
	ll := map[string]any{"name": d.Object, "fullyQualifiedName": d.Object, "kind": "object"}
	if d.ObjectPath != "" {
		ll["name"] = d.ObjectPath
		ll["fullyQualifiedName"] = d.Object + ":" + d.ObjectPath
		ll["kind"] = "property"
	}
	return ll
}

// relatedLocations are the places that explain d (its rule, the
// configuration line that set its severity), as SARIF's related
// locations; nil when it has none with a position.
func (o Options) relatedLocations(d diag.Diagnostic) []any {
	var out []any
	for i, r := range d.Related {
		if !r.Pos.Valid() {
			continue
		}
		line, _ := r.Pos.LineCol()
		out = append(out, map[string]any{"id": i, "message": map[string]any{"text": r.Message},
			"physicalLocation": map[string]any{"artifactLocation": o.artifact(r.Pos.File.Name),
				"region": map[string]any{"startLine": line, "startColumn": r.Pos.RuneCol()}}})
	}
	return out
}

// sarifProperties are the document a finding is about, as a property bag
// (object, environment, environments, objectPath), as the JSON report has
// them.
func sarifProperties(d diag.Diagnostic) map[string]any {
	props := map[string]any{}
	for k, v := range map[string]string{"object": d.Object, "objectPath": d.ObjectPath} {
		if v != "" {
			props[k] = v
		}
	}
	if len(d.Environments) == 1 {
		props["environment"] = d.Environments[0]
	}
	if len(d.Environments) > 0 {
		props["environments"] = d.Environments
	}
	if len(props) == 0 {
		return nil
	}
	return props
}

// sarifRule describes a guardrail: its title, rationale, remediation and
// link, which code scanning shows beside each of its results.
func sarifRule(r Rule) map[string]any {
	d := map[string]any{
		"id":                   r.ID,
		"name":                 sarifName(r.ID),
		"shortDescription":     map[string]any{"text": r.Title},
		"fullDescription":      map[string]any{"text": r.Description},
		"help":                 map[string]any{"text": r.Remediation, "markdown": fmt.Sprintf("**%s**\n\n%s\n\n**Fix:** %s", r.Title, r.Description, r.Remediation)},
		"defaultConfiguration": map[string]any{"level": sarifLevel(r.Severity)},
	}
	if r.HelpURI != "" {
		d["helpUri"] = r.HelpURI
	}
	return d
}

// sarifName turns image-pinned into ImagePinned, the form SARIF suggests
// for a rule's name.
func sarifName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		switch {
		case r == '-' || r == '.' || r == '/':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func lineOf(d diag.Diagnostic) int {
	line, _ := d.Pos.LineCol()
	return line
}

func sarifLevel(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	}
	return "note"
}

// stableKey is what identifies a finding across commits: its code, its
// file, the object and field it is about (the field of the file for a
// finding about no object) and its environment. Not its line, which
// moves, nor its message, which holds counts and values that change
// while the finding stays the same one.
func stableKey(d diag.Diagnostic) string {
	file := ""
	if d.Pos.File != nil {
		file = d.Pos.File.Name
	}
	path := d.ObjectPath
	if path == "" {
		path = d.Path
	}
	env := "" // as it was keyed before findings named several
	if len(d.Environments) == 1 {
		env = d.Environments[0]
	}
	return strings.Join([]string{d.Code, file, d.Object, path, env}, "\x00")
}

// fingerprint is the hash of a finding's stable key and its rank among
// the findings of the run with the same key (two probes missing from one
// container), in the order they are reported.
func fingerprint(key string, n int) string {
	h := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:16])
}

// GitHub writes GitHub Actions workflow commands, one per finding, with the
// line and column GitHub needs to show them under "Files changed".
func GitHub(w io.Writer, ds diag.List) error {
	for _, d := range ds {
		if d.Waived != "" {
			continue
		}
		cmd := map[diag.Severity]string{diag.Error: "error", diag.Warning: "warning", diag.Info: "notice"}[d.Severity]
		var props []string
		if d.Pos.Valid() {
			line, _ := d.Pos.LineCol()
			props = append(props, "file="+ghProp(d.Pos.File.Name), fmt.Sprintf("line=%d", line), fmt.Sprintf("col=%d", d.Pos.RuneCol()))
			if d.End.Valid() && d.End.Offset > d.Pos.Offset {
				endLine, _ := d.End.LineCol()
				props = append(props, fmt.Sprintf("endLine=%d", endLine), fmt.Sprintf("endColumn=%d", d.End.RuneCol()))
			}
		}
		if d.Code != "" {
			props = append(props, "title="+ghProp("kiln "+d.Code))
		}
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(d.Message+d.EnvironmentsSuffix())); err != nil {
			return err
		}
	}
	return nil
}

// ghData and ghProp escape as GitHub's toolkit does for workflow commands.
var (
	ghDataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func ghData(s string) string {
	return ghDataEscaper.Replace(s)
}

func ghProp(s string) string {
	return ghPropEscaper.Replace(s)
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Output    string        `xml:"system-out,omitempty"` // warnings and notes, which do not fail
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes one test suite per input file. For an app the guardrails
// ran on, there is one test case per rule (failing on an error of that
// rule, listing its warnings and notes), so dashboards show which rules
// every app passes; other finding codes get a case each. A clean file
// without guardrails gets one passing "kiln" case, so every app counts.
func JUnit(w io.Writer, files []File, ds diag.List, rules []Rule) error {
	byFile := map[string][]diag.Diagnostic{}
	for _, d := range ds {
		name := ""
		if d.Pos.File != nil {
			name = d.Pos.File.Name
		}
		if d.Waived == "" {
			byFile[name] = append(byFile[name], d)
		}
	}
	out := junitSuites{}
	for _, f := range files {
		suite := junitSuite{Name: f.Name}
		codes := map[string][]diag.Diagnostic{}
		var order []string
		if f.Guarded {
			for _, r := range rules {
				order = append(order, r.ID)
				codes[r.ID] = nil
			}
		}
		for _, d := range byFile[f.Name] {
			if _, seen := codes[d.Code]; !seen {
				order = append(order, d.Code)
			}
			codes[d.Code] = append(codes[d.Code], d)
		}
		for _, code := range order {
			c := junitCase{Name: code, ClassName: f.Name}
			var lines []string
			failed := false
			for _, d := range codes[code] {
				line, col := d.Pos.LineCol()
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s: %s", f.Name, line, col, d.Severity, d.Message+d.EnvironmentsSuffix()))
				failed = failed || d.Severity == diag.Error
			}
			if failed {
				c.Failure = &junitFailure{Message: codes[code][0].Message + codes[code][0].EnvironmentsSuffix(), Type: code, Text: strings.Join(lines, "\n")}
				suite.Fails++
			} else if len(lines) > 0 {
				c.Output = strings.Join(lines, "\n")
			}
			suite.Cases = append(suite.Cases, c)
		}
		if len(suite.Cases) == 0 {
			suite.Cases = []junitCase{{Name: "kiln", ClassName: f.Name}}
		}
		suite.Tests = len(suite.Cases)
		out.Tests += suite.Tests
		out.Fails += suite.Fails
		out.Suites = append(out.Suites, suite)
	}
	return writeJUnit(w, out)
}

// writeJUnit writes suites as an indented JUnit XML document.
func writeJUnit(w io.Writer, out junitSuites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
