package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// A Part is the JSON report of one kiln check read back, to be joined
// with the reports of the other shards (Merge).
type Part struct {
	Name string // the report's file, for messages
	r    jsonReport
}

// ReadPart reads the JSON report of a kiln check. Anything else (another
// document, another command's report, a newer shape) is an error that
// says what it is.
func ReadPart(name string, data []byte) (*Part, error) {
	p := &Part{Name: name}
	if err := json.Unmarshal(data, &p.r); err != nil {
		return nil, fmt.Errorf("%s is not a kiln JSON report: %v", name, err)
	}
	switch {
	case p.r.Version == 0 || p.r.Kiln == "" || p.r.Files == nil || p.r.Diagnostics == nil:
		return nil, fmt.Errorf("%s is not a kiln JSON report: it lacks version, kiln, files or diagnostics (kiln check --format json writes one)", name)
	case p.r.Version > JSONVersion:
		return nil, fmt.Errorf("%s is a JSON report of version %d, newer than this kiln's %d; merge with the kiln that wrote it", name, p.r.Version, JSONVersion)
	case p.r.Scope == nil:
		return nil, fmt.Errorf("%s is not a report of kiln check (it has no scope): kiln report merge joins the JSON reports of kiln check", name)
	}
	return p, nil
}

// Shard is the shard the report is of, "i/n", or "" for a check of
// every app.
func (p *Part) Shard() string { return p.r.Scope.Shard }

// A Merged is the reports of a check's shards joined into one.
type Merged struct {
	Files       []File
	Diagnostics diag.List // sorted, each finding once
	Tests       []TestCase
	// Options are what the reports say beyond the findings: the kiln
	// version that wrote them, the rules, the scope, whether a shard was
	// incomplete, and their fail-on when they agree ("" when not).
	Options Options
	exit    int // the worst exit code a report gave
}

// ExitCode is the joined run's exit code: 2 when a shard could not check
// everything, else 1 when a finding is at least failOn or a config test
// failed, else 0.
func (m *Merged) ExitCode(failOn diag.Severity) int {
	if m.Options.Incomplete || m.exit == 2 {
		return 2
	}
	for _, d := range m.Diagnostics {
		if d.Severity >= failOn && d.Waived == "" {
			return 1
		}
	}
	for _, t := range m.Tests {
		if t.Status == "failed" {
			return 1
		}
	}
	return 0
}

// Merge joins the reports of the shards of one check: every shard of
// one count, each once, from one kiln version, or a single report. A
// shard missing or given twice, shards of different counts or of
// different checkouts, and two reports that checked one app are errors:
// the joined report would leave apps unchecked or count them twice.
//
// Positions are rebuilt from each finding's line and column in the file
// read gives (the checkout the reports were written in); for a file it
// cannot give (nil), in a stand-in of blank lines, so that every finding
// keeps its line and column.
func Merge(parts []*Part, read func(name string) []byte) (*Merged, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	if err := checkParts(parts); err != nil {
		return nil, err
	}
	files := positions(parts, read)
	m := &Merged{Options: Options{Version: parts[0].r.Kiln, FailOn: parts[0].r.FailOn, Waived: diag.List{}}}
	scope := &Scope{Base: parts[0].r.Scope.Base, Total: parts[0].r.Scope.Total, Checked: []string{}, Unaffected: []string{}}
	if len(parts) == 1 {
		scope.Shard = parts[0].Shard()
	}
	seenRule := map[string]bool{}
	for _, p := range parts {
		m.Files = append(m.Files, p.r.Files...)
		for _, jd := range p.r.Diagnostics {
			m.Diagnostics = append(m.Diagnostics, fromJSON(jd, files))
		}
		for _, jc := range p.r.Tests {
			tc := TestCase{File: jc.File, Name: jc.Name, Status: jc.Status}
			for _, jd := range jc.Failures {
				tc.Failures = append(tc.Failures, fromJSON(jd, files))
			}
			m.Tests = append(m.Tests, tc)
		}
		for _, r := range p.r.Rules {
			if !seenRule[r.ID] {
				seenRule[r.ID] = true
				sev, _ := diag.ParseSeverity(r.Severity)
				m.Options.Rules = append(m.Options.Rules, Rule{ID: r.ID, Title: r.Title, Description: r.Description,
					Remediation: r.Remediation, Severity: sev, HelpURI: r.HelpURI})
			}
		}
		if p.r.FailOn != m.Options.FailOn {
			m.Options.FailOn = ""
		}
		if p.r.ExitCode != nil {
			m.exit = max(m.exit, *p.r.ExitCode)
		}
		m.Options.Incomplete = m.Options.Incomplete || p.r.Incomplete
		for _, jd := range p.r.Waived {
			m.Options.Waived = append(m.Options.Waived, fromJSON(jd, files))
		}
		scope.Checked = append(scope.Checked, p.r.Scope.Checked...)
		scope.Unaffected = append(scope.Unaffected, p.r.Scope.Unaffected...)
		scope.Everything = cmp.Or(scope.Everything, p.r.Scope.Everything)
		scope.WaiversUsed = append(scope.WaiversUsed, p.r.Scope.WaiversUsed...)
	}
	m.Diagnostics = usedElsewhere(m.Diagnostics, scope.WaiversUsed)
	slices.SortStableFunc(m.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(m.Tests, func(a, b TestCase) int { return strings.Compare(a.File, b.File) })
	m.Diagnostics = m.Diagnostics.Sort() // the repository's own findings (a waiver expired) come from every shard
	m.Options.Waived = m.Options.Waived.Sort()
	slices.Sort(scope.Checked)
	slices.Sort(scope.Unaffected)
	scope.Unaffected = slices.Compact(scope.Unaffected)
	slices.Sort(scope.WaiversUsed)
	scope.WaiversUsed = slices.Compact(scope.WaiversUsed)
	m.Options.Scope, m.Options.Tests = scope, m.Tests
	return m, nil
}

// usedElsewhere drops the waiver/unused warnings of waivers another
// shard used: each shard judges the waivers by its own apps only.
func usedElsewhere(ds diag.List, used []string) diag.List {
	return slices.DeleteFunc(ds, func(d diag.Diagnostic) bool {
		return d.Code == "waiver/unused" && slices.Contains(used, PosString(d.Pos))
	})
}

// PosString names a position as file:line:column, as the JSON report
// counts them, or "" for none.
func PosString(p source.Pos) string {
	if !p.Valid() {
		return ""
	}
	line, col := p.LineCol()
	return fmt.Sprintf("%s:%d:%d", p.File.Name, line, col)
}

// checkParts refuses reports that do not join into one check of every
// app once.
func checkParts(parts []*Part) error {
	first := parts[0]
	for _, p := range parts[1:] {
		if p.r.Kiln != first.r.Kiln {
			return fmt.Errorf("%s was written by kiln %s and %s by kiln %s: merge the reports of one kiln version, as the findings of two may differ", first.Name, first.r.Kiln, p.Name, p.r.Kiln)
		}
	}
	if len(parts) == 1 {
		// Alone, a report is merged to change its format: unless it is
		// one shard of several, whose others would go missing.
		if _, n, err := parseShard(first.Shard()); err == nil && n > 1 {
			return fmt.Errorf("%s is shard %s alone: the other shards' apps would go unchecked; give the report of every shard", first.Name, first.Shard())
		}
		return nil
	}
	n := 0
	byShard := map[int]*Part{}
	for _, p := range parts {
		i, pn, err := parseShard(p.Shard())
		if err != nil {
			return fmt.Errorf("%s: %v", p.Name, err)
		}
		if n != 0 && pn != n {
			return fmt.Errorf("%s is shard %s and %s shard %s: merge the shards of one split (one n of --shard i/n)", first.Name, first.Shard(), p.Name, p.Shard())
		}
		n = pn
		if q := byShard[i]; q != nil {
			return fmt.Errorf("%s and %s are both shard %s: each shard's report must be given once", q.Name, p.Name, p.Shard())
		}
		byShard[i] = p
		if c, d := first.r.Scope.Commit, p.r.Scope.Commit; c != "" && d != "" && c != d {
			return fmt.Errorf("%s checked commit %.12s and %s commit %.12s: merge the shards of one commit", first.Name, c, p.Name, d)
		}
		if p.r.Scope.Total != first.r.Scope.Total || p.r.Scope.Base != first.r.Scope.Base {
			return fmt.Errorf("%s found %s and %s %d (base %q and %q): the shards checked different checkouts or paths", first.Name, Plural(first.r.Scope.Total, "app"), p.Name, p.r.Scope.Total, first.r.Scope.Base, p.r.Scope.Base)
		}
	}
	var missing []string
	for i := 1; i <= n; i++ {
		if byShard[i] == nil {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if missing != nil {
		return fmt.Errorf("shard %s missing: its apps would go unchecked; give the report of every shard", strings.Join(missing, ", "))
	}
	checkedBy := map[string]string{}
	for _, p := range parts {
		for _, c := range p.r.Scope.Checked {
			if q, ok := checkedBy[c]; ok {
				return fmt.Errorf("%s and %s both checked %s: the shards overlap (were they split by different kiln versions or paths?)", q, p.Name, c)
			}
			checkedBy[c] = p.Name
		}
	}
	if first.r.Scope.Base == "" && len(checkedBy) != first.r.Scope.Total {
		return fmt.Errorf("the shards checked %d of the %s they found: they saw different checkouts or paths", len(checkedBy), Plural(first.r.Scope.Total, "app"))
	}
	return nil
}

// parseShard reads a report's "i/n".
func parseShard(s string) (i, n int, err error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if s == "" {
		return 0, 0, fmt.Errorf("the report is of a check of every app, not of a shard: merge it alone, or the reports of kiln check --shard i/n")
	}
	if !ok || err1 != nil || err2 != nil || i < 1 || i > n {
		return 0, 0, fmt.Errorf("the report's shard %q is not i/n", s)
	}
	return i, n, nil
}

// byteColumns is how the JSON report counts: lines as editors do,
// columns in bytes.
var byteColumns = source.Counting{Breaks: source.EditorBreaks, ByteColumns: true}

// positions returns the file of every name the reports' findings are
// in: its content as read gives it, or a stand-in of blank lines long
// enough to hold every line and column the findings name in it.
func positions(parts []*Part, read func(name string) []byte) map[string]*source.File {
	need := map[string]map[int]int{} // name → line → the widest column
	at := func(name string, line, col int) {
		if name == "" {
			return
		}
		if need[name] == nil {
			need[name] = map[int]int{}
		}
		need[name][line] = max(need[name][line], col)
	}
	visit := func(jd jsonDiagnostic) {
		at(jd.File, jd.Line, jd.Column)
		at(jd.File, jd.EndLine, jd.EndColumn)
		for _, r := range jd.Related {
			at(r.File, r.Line, r.Column)
		}
	}
	for _, p := range parts {
		for _, jd := range p.r.Diagnostics {
			visit(jd)
		}
		for _, jd := range p.r.Waived {
			visit(jd)
		}
		for _, c := range p.r.Tests {
			for _, jd := range c.Failures {
				visit(jd)
			}
		}
	}
	files := map[string]*source.File{}
	for name, lines := range need {
		if b := read(name); b != nil {
			files[name] = source.NewFile(name, b)
			continue
		}
		last := 0
		for l := range lines {
			last = max(last, l)
		}
		text := make([]string, max(last, 1))
		for l, col := range lines {
			if l >= 1 {
				text[l-1] = strings.Repeat(" ", max(col-1, 0))
			}
		}
		files[name] = source.NewFile(name, []byte(strings.Join(text, "\n")))
	}
	return files
}

// fromJSON reads a finding of a JSON report back, positioned in files.
func fromJSON(jd jsonDiagnostic, files map[string]*source.File) diag.Diagnostic {
	sev, ok := diag.ParseSeverity(jd.Severity)
	if !ok {
		sev = diag.Error // taken for the worse, as an unclassified kind is
	}
	kind, _ := diag.ParseKind(jd.Kind)
	d := diag.Diagnostic{Severity: sev, Code: jd.Code, Message: jd.Message, Path: jd.Path, Suggestion: jd.Suggestion,
		Waived: jd.Waived, WaivedInSource: jd.WaivedInSource, Object: jd.Object, ObjectPath: jd.ObjectPath, Environments: jd.Environments, Kind: kind}
	if f := files[jd.File]; f != nil {
		d.Pos, d.End = posIn(f, jd.Line, jd.Column), posIn(f, jd.EndLine, jd.EndColumn)
	}
	for _, r := range jd.Related {
		rel := diag.Related{Message: r.Message}
		if f := files[r.File]; f != nil {
			rel.Pos = posIn(f, r.Line, r.Column)
			rel.End = rel.Pos
		}
		d.Related = append(d.Related, rel)
	}
	return d
}

func posIn(f *source.File, line, col int) source.Pos {
	if line < 1 {
		return f.Pos(0)
	}
	return f.PosIn(byteColumns, line, col)
}
