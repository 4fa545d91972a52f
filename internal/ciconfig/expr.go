package ciconfig

import (
	"fmt"
	"regexp"
	"strings"
)

// exprPattern matches a ${{ ... }} expression; the body never holds "}}".
var exprPattern = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// Expressions returns the bodies of the ${{ ... }} expressions in s,
// trimmed.
func Expressions(s string) []string {
	var out []string
	for _, m := range exprPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// referencePattern matches a context reference: inputs.fail-on,
// steps.base.outputs.ref, github.event_name.
var referencePattern = regexp.MustCompile(`\b(inputs|steps|github|runner|env)((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)`)

// References returns the context references (such as inputs.paths) made
// anywhere in the expressions of s, operators and functions around them
// allowed.
func References(s string) []string {
	var out []string
	for _, e := range Expressions(s) {
		out = append(out, referencePattern.FindAllString(stripQuoted(e), -1)...)
	}
	return out
}

// stripQuoted blanks the single-quoted strings of an expression, so that
// 'inputs.x' in a literal is not taken for a reference.
func stripQuoted(e string) string {
	return quotedPattern.ReplaceAllString(e, "''")
}

var quotedPattern = regexp.MustCompile(`'(?:[^']|'')*'`)

// Expand replaces each ${{ ref }} in s, where ref is a single context
// reference, by lookup(ref). Any other expression is an error: the run
// steps get their values through env: exactly so that a test can supply
// them without a GitHub expression evaluator.
func Expand(s string, lookup func(ref string) (string, error)) (string, error) {
	var err error
	out := exprPattern.ReplaceAllStringFunc(s, func(m string) string {
		body := strings.TrimSpace(m[3 : len(m)-2])
		if !referencePattern.MatchString(body) || referencePattern.FindString(body) != body {
			if err == nil {
				err = fmt.Errorf("expression %q is not a single context reference", body)
			}
			return ""
		}
		v, lerr := lookup(body)
		if lerr != nil && err == nil {
			err = lerr
		}
		return v
	})
	return out, err
}
