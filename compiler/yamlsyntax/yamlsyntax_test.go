package yamlsyntax

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Each error is at the line where the text stops being YAML, counted from 1.
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"a: 1\nb: [1\nc: 2\n", 2},          // a flow sequence never closed: where it opens
		{"a: 1\nb: {x: 1\n", 2},             // a flow mapping, the same
		{"a: {x: 1\n", 1},                   // on the first line
		{"a:\n  b: 1\n c: 2\n", 3},          // a key indented wrongly
		{"a: 1\nb: c: d\n", 2},              // a scanner error
		{"a: 1\nb: \"x\n", 2},               // a quote never closed
		{"- a\n- b\nc: 1\n", 3},             // a mapping key after a list
		{"a: 1\n\tb: 2\n", 2},               // a tab
		{"a: 1\nb: 2\n- c\n", 3},            // a list item in a mapping
		{"a:\n  - 1\n  b: 2\n", 3},          // a key in a list
		{"x: 1\ny: 2\nz: [a, b\nw: 3\n", 3}, // where the open sequence starts
		{"v: [1,\n  2]\nw: [3\n", 3},        // not at an earlier sequence that spans lines
		{"a: 1\nb: 2\nc\n", 3},              // a scalar where a key was expected
	} {
		// The same lines ended as on Windows and on classic Mac OS.
		for _, src := range []string{tc.src, strings.ReplaceAll(tc.src, "\n", "\r\n"), strings.ReplaceAll(tc.src, "\n", "\r")} {
			var n yaml.Node
			err := yaml.Unmarshal([]byte(src), &n)
			if err == nil {
				t.Errorf("%q: no error", src)
				continue
			}
			if line, msg := Line([]byte(src), err); line != tc.line || msg == "" {
				t.Errorf("%q: line %d (%q), want %d; yaml says %v", src, line, msg, tc.line, err)
			}
		}
	}
}
