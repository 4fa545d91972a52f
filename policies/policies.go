// Package policies embeds kiln's built-in guardrails: one Rego file per
// rule (<id>.rego) with its unit tests beside it (<id>_test.rego). Each
// rule declares its identity in a METADATA block: title, description
// (the rationale) and custom.id, custom.severity, custom.remediation.
//
// testdata/<id>/fail and testdata/<id>/pass hold, for every rule, a small
// input that makes it fire and a close one that does not: an app
// definition (kiln.yaml, perhaps with a Dockerfile) or plain manifests
// (manifests.yaml), with data.yaml when the rule reads data. kiln rules ID
// prints them as examples, the rules reference shows them, and a test
// lints each one with kiln itself.
package policies

import (
	"embed"
	"io/fs"
	"path"
)

// FS holds the built-in rules and their tests.
//
//go:embed *.rego
var FS embed.FS

//go:embed testdata
var examples embed.FS

// A File is one file of an example.
type File struct {
	Name    string
	Content string
}

// Example returns the files of rule id's example that fails (verdict
// "fail") or passes ("pass"), sorted by name; none when it has no example.
func Example(id, verdict string) []File {
	dir := path.Join("testdata", id, verdict)
	entries, err := fs.ReadDir(examples, dir)
	if err != nil {
		return nil
	}
	var out []File
	for _, e := range entries {
		b, err := fs.ReadFile(examples, path.Join(dir, e.Name()))
		if err == nil && !e.IsDir() {
			out = append(out, File{Name: e.Name(), Content: string(b)})
		}
	}
	return out
}

// ExamplesFS holds every rule's examples under testdata/<id>/<verdict>.
func ExamplesFS() fs.FS { return examples }
