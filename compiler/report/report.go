// Package report writes diagnostics for people (text with the source line and
// a caret) and for programs (JSON with a documented, stable shape).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kilnhq/kiln/compiler/diag"
)

// A File is one checked input, as reports list it.
type File struct {
	Name   string `json:"file"`
	Format string `json:"format,omitempty"` // yaml, json, cue, jsonnet
	App    string `json:"app,omitempty"`    // metadata.name, when it could be read
	Valid  bool   `json:"valid"`
	// Guarded says the guardrails ran on the app, so a rule without a
	// finding in it passed.
	Guarded bool `json:"guarded,omitempty"`
}

// TextOptions control Text.
type TextOptions struct {
	Color bool // ANSI colours, for terminals
}

const (
	bold  = "\x1b[1m"
	red   = "\x1b[31m"
	amber = "\x1b[33m"
	cyan  = "\x1b[36m"
	reset = "\x1b[0m"
)

// Text writes each diagnostic as "file:line:col: severity: message [code]",
// the form editors and CI log scrapers recognise, followed by the source
// line and a caret under the offending text.
//
// A report of thousands of findings is what every run over a large
// repository ends with, after its work is done: it is rendered without
// fmt, into a buffer written each time it holds textChunk bytes.
func Text(w io.Writer, ds diag.List, opts TextOptions) error {
	b := make([]byte, 0, min(textSize(ds), textChunk+textChunk/4))
	for _, d := range ds {
		if b = appendText(b, d, opts); len(b) >= textChunk {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

// textChunk is how much of the report Text renders before it writes:
// the report of a run over a large repository (a megabyte for 2500
// findings) is written in pieces rather than held whole, which costs a
// run fresh memory, and page faults, for nothing.
const textChunk = 64 << 10

// textSize guesses the bytes Text writes of ds, so that its buffer is
// mostly allocated once: each diagnostic's header, and a source line
// twice (the line, and the caret's row beneath it). append grows it when
// the guess is short (tabs widened, a long line's ellipses).
func textSize(ds diag.List) int {
	n := 0
	for _, d := range ds {
		n += len(d.Message) + len(d.Code) + len(d.Waived) + 64
		if d.Pos.Valid() {
			n += len(d.Pos.File.Name) + 2*160
		}
	}
	return n
}

// appendText appends d as Text writes it to b.
func appendText(b []byte, d diag.Diagnostic, opts TextOptions) []byte {
	line, col := d.Pos.LineCol()
	b = appendPainted(b, opts, bold, func(b []byte) []byte { return appendLocation(b, d, line, col) })
	b = append(b, ": "...)
	switch {
	case d.Waived != "":
		b = append(append(b, "waived "...), d.Severity.String()...)
	case d.Severity == diag.Error:
		b = appendPainted(b, opts, red+bold, func(b []byte) []byte { return append(b, d.Severity.String()...) })
	case d.Severity == diag.Warning:
		b = appendPainted(b, opts, amber+bold, func(b []byte) []byte { return append(b, d.Severity.String()...) })
	default:
		b = append(b, d.Severity.String()...)
	}
	b = append(append(append(b, ": "...), d.Message...), d.EnvironmentsSuffix()...)
	if d.Code != "" {
		b = append(append(append(b, " ["...), d.Code...), ']')
	}
	if d.Waived != "" {
		b = append(append(append(b, " (waived: "...), d.Waived...), ')')
	}
	b = append(b, '\n')
	if !d.Pos.Valid() || line < 1 {
		return b
	}
	text := string(d.Pos.File.Line(line))
	width := 1
	if endLine, endCol := d.End.LineCol(); d.End.Valid() && endLine == line && endCol > col {
		width = max(1, utf8.RuneCountInString(text[min(col-1, len(text)):min(endCol-1, len(text))]))
	}
	text, col = window(text, col)
	b = appendTabsExpanded(append(b, "    "...), text)
	b = append(b, "\n    "...)
	for _, r := range prefix(text, col-1) { // under each character a space, under a tab a tab's width
		if r == '\t' {
			b = append(b, "    "...)
		} else {
			b = append(b, ' ')
		}
	}
	b = appendPainted(b, opts, cyan, func(b []byte) []byte {
		b = append(b, '^')
		for range width - 1 {
			b = append(b, '~')
		}
		return b
	})
	return append(b, '\n')
}

// appendPainted appends what add appends, in colour code when opts asks
// for colour.
func appendPainted(b []byte, opts TextOptions, code string, add func([]byte) []byte) []byte {
	if !opts.Color {
		return add(b)
	}
	return append(add(append(b, code...)), reset...)
}

// appendTabsExpanded appends text with each tab as four spaces.
func appendTabsExpanded(b []byte, text string) []byte {
	for {
		i := strings.IndexByte(text, '\t')
		if i < 0 {
			return append(b, text...)
		}
		b = append(append(b, text[:i]...), "    "...)
		text = text[i+1:]
	}
}

// window cuts a very long source line (minified JSON, generated YAML) to
// the part around column col, so that the caret stays readable; it returns
// the text to print and col within it.
func window(text string, col int) (string, int) {
	const before, width = 60, 160
	if len(text) <= width {
		return text, col
	}
	start := max(0, min(col-1-before, len(text)-width))
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	end := min(len(text), start+width)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	out, shift := text[start:end], start
	if start > 0 {
		out, shift = "…"+out, shift-len("…") // col counts bytes; the pad counts runes
	}
	if end < len(text) {
		out += "…"
	}
	return out, col - shift
}

// prefix returns the first n bytes of s, or all of it.
func prefix(s string, n int) string {
	return s[:min(max(n, 0), len(s))]
}

// appendLocation appends "file:line:col" of d, at line and col (its
// position's), or "kiln" for a diagnostic of no file.
func appendLocation(b []byte, d diag.Diagnostic, line, col int) []byte {
	if !d.Pos.Valid() {
		return append(b, "kiln"...)
	}
	b = append(append(b, d.Pos.File.Name...), ':')
	b = append(strconv.AppendInt(b, int64(line), 10), ':')
	return strconv.AppendInt(b, int64(col), 10)
}

// Summary returns the one-line summary a run ends with.
func Summary(files int, ds diag.List) string {
	return fmt.Sprintf("kiln: %s checked: %s, %s", Plural(files, "app"),
		Plural(ds.Count(diag.Error), "error"), Plural(ds.Count(diag.Warning), "warning"))
}

// BuildSummary returns the one-line summary of kiln build.
func BuildSummary(apps int, ds diag.List) string {
	return fmt.Sprintf("kiln: %s built: %s, %s", Plural(apps, "app"),
		Plural(ds.Count(diag.Error), "error"), Plural(ds.Count(diag.Warning), "warning"))
}

// Plural is "1 app", "2 apps": a count and its noun, as summaries say it.
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JSONVersion is the version of the JSON report's shape. It changes only
// when a field is removed or changes meaning; new fields may appear.
const JSONVersion = 1

type jsonReport struct {
	Version     int              `json:"version"`
	Kiln        string           `json:"kiln"` // kiln's version
	Files       []File           `json:"files"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Summary     jsonSummary      `json:"summary"`
	Incomplete  bool             `json:"incomplete"`
	// What kiln report merge needs to join the reports of shards, when
	// the command that wrote the report knows it: its --fail-on and exit
	// code, the rules it evaluated, its config tests, its scope.
	FailOn   string     `json:"failOn,omitempty"`
	ExitCode *int       `json:"exitCode,omitempty"`
	Rules    []jsonRule `json:"rules,omitempty"`
	// Waived are the findings waivers exempted, whether or not
	// diagnostics shows them, so that a merged SARIF report still lists
	// them as suppressed.
	Waived []jsonDiagnostic `json:"waived,omitempty"`
	Tests  []jsonTestCase   `json:"tests,omitempty"`
	Scope  *Scope           `json:"scope,omitempty"`
}

// jsonRule is a Rule as the JSON report lists it: what SARIF's rule
// descriptors and JUnit's cases are made of.
type jsonRule struct {
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	Severity    string `json:"severity"`
	HelpURI     string `json:"helpUri,omitempty"`
}

type jsonDiagnostic struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	EndLine    int    `json:"endLine"`
	EndColumn  int    `json:"endColumn"`
	Severity   string `json:"severity"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Path       string `json:"path,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
	Waived     string `json:"waived,omitempty"`
	// WaivedInSource says the waiver is the app's own (spec.waivers),
	// not the repository's.
	WaivedInSource bool   `json:"waivedInSource,omitempty"`
	Rule           string `json:"rule,omitempty"` // the rule's documentation, for guardrail findings
	// The document a guardrail finding is about: its kind/name, the
	// environment it was built for and the field path in it.
	Object string `json:"object,omitempty"`
	// Environment is the one environment a finding holds in, when it
	// holds in one of several only; Environments every one it holds in,
	// when not all.
	Environment  string        `json:"environment,omitempty"`
	Environments []string      `json:"environments,omitempty"`
	ObjectPath   string        `json:"objectPath,omitempty"`
	Kind         string        `json:"kind,omitempty"`
	Related      []jsonRelated `json:"related,omitempty"`
}

// jsonRelated is a place that explains a finding: the rule that made
// it, the configuration line that set its severity.
type jsonRelated struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

type jsonSummary struct {
	Files    int `json:"files"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
	Waived   int `json:"waived"` // findings waivers exempted, shown or not
}

func toJSON(d diag.Diagnostic, help map[string]string) jsonDiagnostic {
	jd := jsonDiagnostic{Severity: d.Severity.String(), Code: d.Code, Message: d.Message, Path: d.Path, Suggestion: d.Suggestion,
		Waived: d.Waived, WaivedInSource: d.WaivedInSource, Rule: help[d.Code], Object: d.Object, Environments: d.Environments, ObjectPath: d.ObjectPath, Kind: d.Kind.String()}
	if len(d.Environments) == 1 {
		jd.Environment = d.Environments[0]
	}
	for _, r := range d.Related {
		jr := jsonRelated{Message: r.Message}
		if r.Pos.Valid() {
			jr.File = r.Pos.File.Name
			jr.Line, jr.Column = r.Pos.LineCol()
		}
		jd.Related = append(jd.Related, jr)
	}
	if d.Pos.Valid() {
		jd.File = d.Pos.File.Name
		jd.Line, jd.Column = d.Pos.LineCol()
		jd.EndLine, jd.EndColumn = jd.Line, jd.Column
		if d.End.Valid() && d.End.Offset >= d.Pos.Offset {
			jd.EndLine, jd.EndColumn = d.End.LineCol()
		}
	}
	return jd
}

// JSON writes the whole run as one JSON document (see docs/json-report.md).
func JSON(w io.Writer, files []File, ds diag.List, rules []Rule) error {
	return JSONWith(w, files, ds, Options{Rules: rules})
}

// JSONWith is JSON with the rules and the waived findings of opts.
func JSONWith(w io.Writer, files []File, ds diag.List, opts Options) error {
	help := map[string]string{}
	for _, r := range opts.Rules {
		help[r.ID] = r.HelpURI
	}
	waived := len(opts.Waived)
	if opts.Waived == nil {
		waived = len(slices.DeleteFunc(slices.Clone(ds), func(d diag.Diagnostic) bool { return d.Waived == "" }))
	}
	r := jsonReport{Version: JSONVersion, Kiln: opts.Version, Files: files, Diagnostics: []jsonDiagnostic{},
		Summary: jsonSummary{Files: len(files), Errors: ds.Count(diag.Error), Warnings: ds.Count(diag.Warning),
			Infos: ds.Count(diag.Info), Waived: waived},
		Incomplete: opts.Incomplete, FailOn: opts.FailOn, ExitCode: opts.ExitCode, Scope: opts.Scope}
	if r.Files == nil {
		r.Files = []File{}
	}
	for _, d := range ds {
		r.Diagnostics = append(r.Diagnostics, toJSON(d, help))
	}
	for _, rule := range opts.Rules {
		r.Rules = append(r.Rules, jsonRule{ID: rule.ID, Title: rule.Title, Description: rule.Description,
			Remediation: rule.Remediation, Severity: rule.Severity.String(), HelpURI: rule.HelpURI})
	}
	for _, d := range opts.Waived {
		r.Waived = append(r.Waived, toJSON(d, help))
	}
	r.Tests = testCases(opts.Tests)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
