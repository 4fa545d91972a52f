// Package diag defines the one Diagnostic type that every stage of kiln
// reports: a positioned, coded message about the user's input.
package diag

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/source"
)

// Severity orders findings; a higher value is more serious.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	}
	return "error"
}

// ParseSeverity returns the Severity named s, as String spells it.
func ParseSeverity(s string) (Severity, bool) {
	for _, sev := range []Severity{Info, Warning, Error} {
		if sev.String() == s {
			return sev, true
		}
	}
	return 0, false
}

// A Diagnostic is one finding about the user's input.
type Diagnostic struct {
	Pos        source.Pos // where the user should look: the field or token at fault
	End        source.Pos // end of the offending text; may equal Pos
	Severity   Severity
	Code       string // stable identifier, e.g. "schema/unknown-field"
	Message    string // lower case, no trailing period, no position inside
	Path       string // the field path, e.g. "spec.resources.memory"; empty when none applies
	Suggestion string // a replacement the user probably meant, e.g. "port"; optional
	// Waived is the reason of the waiver that exempts this finding. A
	// waived finding is counted and shown with --show-waived, and never
	// fails a run.
	Waived string
	// WaivedInSource says the waiver is written in the app definition
	// (its spec.waivers) rather than in the repository's configuration,
	// as SARIF's suppression kinds tell apart.
	WaivedInSource bool
	// For a guardrail finding, the document it is about, beside where it
	// is written: Object is its kind and name ("Deployment/shop"), empty
	// for a finding about the app definition or a Dockerfile; Environment
	// the environment it was built for, empty when none applies or the
	// finding holds in several; ObjectPath the field in the document
	// (spec.template.spec.containers[0].image), while Path is the field
	// of the file the position is in.
	Object      string
	Environment string
	ObjectPath  string
}

// A List is the diagnostics of one run or one file.
type List []Diagnostic

// HasErrors reports whether any diagnostic in l is an error that no
// waiver exempts.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error && d.Waived == "" })
}

// Count returns the number of diagnostics of severity s that no waiver
// exempts.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s && d.Waived == "" {
			n++
		}
	}
	return n
}

// Sort orders l by file, offset, code and message, and drops exact
// duplicates, so that reports are the same whatever order stages ran in.
func (l List) Sort() List {
	slices.SortStableFunc(l, compare)
	return slices.CompactFunc(l, func(a, b Diagnostic) bool { return compare(a, b) == 0 })
}

func compare(a, b Diagnostic) int {
	return cmp.Or(
		strings.Compare(fileName(a.Pos), fileName(b.Pos)),
		cmp.Compare(a.Pos.Offset, b.Pos.Offset),
		cmp.Compare(b.Severity, a.Severity),
		strings.Compare(a.Code, b.Code),
		strings.Compare(a.Message, b.Message),
	)
}

func fileName(p source.Pos) string {
	if p.File == nil {
		return ""
	}
	return p.File.Name
}
