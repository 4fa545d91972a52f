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
	// for a finding about the app definition or a Dockerfile; ObjectPath
	// the field in the document (spec.template.spec.containers[0].image),
	// while Path is the field of the file the position is in.
	Object     string
	ObjectPath string
	// Environments are the environments of the app the finding holds in,
	// sorted, when it holds in some of them only; empty when it holds in
	// all of them or none applies. Reports name them; the message never
	// does.
	Environments []string
	// Kind says what the diagnostic means for the run: a finding about
	// usable input, input kiln could not use, or a failure of kiln's own.
	// The stage that makes a diagnostic sets it; see Kind.
	Kind Kind
	// Related are other places that explain the finding: the rule of the
	// policy that made it, the configuration line that set its severity.
	Related []Related
}

// A Related is a place, beside a diagnostic's own, that explains it.
type Related struct {
	Pos, End source.Pos
	Message  string // what the place is, e.g. "the rule image-pinned"
}

// Kind classifies a diagnostic by what it means for the run: whether kiln
// could check the input (a Finding) or not (Input, Internal). The zero
// Kind is no classification: a stage that forgets to set one makes its
// errors count as "could not check" (see Unchecked), never as a clean
// pass, and the stages' tests assert every diagnostic has one.
type Kind int

const (
	Unclassified Kind = iota
	// Input: the user's input is wrong or could not be read (an app
	// definition that fails its schema, a patch that cannot apply, a
	// policy that does not compile); kiln could not check it (exit 2).
	Input
	// Finding: a guardrail, validation or consistency finding about input
	// kiln could read and check (exit 1 at or above --fail-on).
	Finding
	// Internal: kiln itself failed (exit 2).
	Internal
)

var kindNames = [...]string{Unclassified: "", Input: "input", Finding: "finding", Internal: "internal"}

// String is the kind's name as reports spell it; empty for Unclassified.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return ""
	}
	return kindNames[k]
}

// ParseKind returns the Kind named s, as String spells it.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// Unchecked reports whether d is an error that kept kiln from checking
// something: input it could not use, a failure of its own, or an error no
// stage classified, which is taken for the worse.
func (d Diagnostic) Unchecked() bool {
	return d.Severity == Error && d.Kind != Finding
}

// EnvironmentsSuffix is how text names the environments of a finding that
// holds in some only: " (environment prod)", " (environments prod,
// staging)"; empty when it names none.
func (d Diagnostic) EnvironmentsSuffix() string {
	switch len(d.Environments) {
	case 0:
		return ""
	case 1:
		return " (environment " + d.Environments[0] + ")"
	}
	return " (environments " + strings.Join(d.Environments, ", ") + ")"
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
