// Package yamlsyntax finds the line of a syntax error of go.yaml.in/yaml/v3,
// for the loader (a kiln.yaml that is not YAML) and the patch stage (a
// patch's text that is not). yaml.v3 names a line in two ways: a scanner
// error ("mapping values are not allowed in this context") at its line
// counted from 1, a parser error ("did not find expected key") at the
// start of the construct it was parsing, counted from 0, or where it
// stopped when that construct starts on the first line. Line corrects the
// second kind to the first line at which the text stops being YAML.
package yamlsyntax

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/source"
)

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser; every other syntax
// error comes from its scanner.
var parserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// searchBytes bounds the text re-parsed to find a parser error's line, so
// that a large file with an error costs a few parses of it at most.
const searchBytes = 4 << 20

// Line returns the line (from 1) at which src stops being YAML, err being
// the error yaml.v3 gave for src, and err's message without its "yaml:
// line N:" prefix. The line is 0 when err names none.
func Line(src []byte, err error) (int, string) {
	line, msg := split(err)
	if !slices.Contains(parserProblems, msg) {
		return line, msg
	}
	// The first prefix of src, from the line yaml.v3 names (counted from
	// 0), that fails in the same way.
	lines := source.SplitAfter(src, source.YAMLBreaks)
	budget := searchBytes
	for n := line + 1; n <= len(lines) && budget > 0; n++ {
		prefix := bytes.Join(lines[:n], nil)
		budget -= len(prefix)
		if e := parse(prefix); e != nil {
			if _, m := split(e); m == msg {
				return clamp(lines, n), msg
			}
		}
	}
	return clamp(lines, line+1), msg
}

func split(err error) (int, string) {
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// parse reads every document of b, as the loader does.
func parse(b []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// clamp moves line n back to the last line with text at or before it: an
// error at the end of the input belongs to the last line written.
func clamp(lines [][]byte, n int) int {
	n = min(n, len(lines))
	for n > 1 && len(bytes.TrimSpace(lines[n-1])) == 0 {
		n--
	}
	return max(n, 1)
}
