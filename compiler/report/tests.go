package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
)

// A TestCase is the outcome of one config test, for kiln test's reports.
type TestCase struct {
	File     string    // the test file
	Name     string    // the case's it
	Status   string    // passed, failed or skipped
	Failures diag.List // where and why it failed
}

// TestText writes one line per case (PASS or FAIL, the file and the
// case), each failure below its case at the test file's line, and nothing
// for skipped cases.
func TestText(w io.Writer, cases []TestCase, opts TextOptions) error {
	for _, c := range cases {
		switch c.Status {
		case "skipped":
			continue
		case "passed":
			fmt.Fprintf(w, "PASS  %s: %s\n", c.File, c.Name)
		default:
			fmt.Fprintf(w, "FAIL  %s: %s\n", c.File, c.Name)
			if err := Text(w, c.Failures, opts); err != nil {
				return err
			}
		}
	}
	return nil
}

type jsonTestReport struct {
	Version int            `json:"version"`
	Cases   []jsonTestCase `json:"cases"`
	Summary map[string]int `json:"summary"`
}

type jsonTestCase struct {
	File     string           `json:"file"`
	Name     string           `json:"name"`
	Status   string           `json:"status"`
	Failures []jsonDiagnostic `json:"failures"`
}

// TestJSON writes the run as one JSON document (docs/json-report.md).
func TestJSON(w io.Writer, cases []TestCase) error {
	r := jsonTestReport{Version: JSONVersion, Cases: orEmpty(testCases(cases)), Summary: map[string]int{"passed": 0, "failed": 0, "skipped": 0}}
	for _, c := range cases {
		r.Summary[c.Status]++
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// testCases are cases as the JSON reports list them.
func testCases(cases []TestCase) []jsonTestCase {
	var out []jsonTestCase
	for _, c := range cases {
		jc := jsonTestCase{File: c.File, Name: c.Name, Status: c.Status, Failures: []jsonDiagnostic{}}
		for _, d := range c.Failures {
			jc.Failures = append(jc.Failures, toJSON(d, nil))
		}
		out = append(out, jc)
	}
	return out
}

// TestJUnit writes one test suite per test file and one test case per
// case, so CI shows each promise an app makes.
func TestJUnit(w io.Writer, cases []TestCase) error {
	out := junitSuites{}
	index := map[string]int{}
	for _, c := range cases {
		i, ok := index[c.File]
		if !ok {
			i = len(out.Suites)
			index[c.File] = i
			out.Suites = append(out.Suites, junitSuite{Name: c.File})
		}
		s := &out.Suites[i]
		jc := junitCase{Name: c.Name, ClassName: c.File}
		switch c.Status {
		case "failed":
			var lines []string
			for _, d := range c.Failures {
				line, col := d.Pos.LineCol()
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", c.File, line, col, d.Message))
			}
			msg := ""
			if len(c.Failures) > 0 {
				msg = c.Failures[0].Message
			}
			jc.Failure = &junitFailure{Message: msg, Type: "test", Text: strings.Join(lines, "\n")}
			s.Fails++
		case "skipped":
			jc.Skipped = &struct{}{}
		}
		s.Cases = append(s.Cases, jc)
		s.Tests++
		out.Tests++
		if c.Status == "failed" {
			out.Fails++
		}
	}
	return writeJUnit(w, out)
}
