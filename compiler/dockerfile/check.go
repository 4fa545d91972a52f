package dockerfile

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// An Instruction is one parsed Dockerfile instruction.
type Instruction struct {
	Command string   // lower case: from, expose, user, add, ...
	Args    []string // as BuildKit splits them
	Flags   []string // --from=build, --chown=...
	Line    int      // 1-based line where it starts
	Stage   int      // 0-based index of its stage, counted by FROM
	// Original is the instruction as written; JSON says whether its
	// arguments were in JSON (exec) form.
	Original string
	JSON     bool
}

// Parse reads a Dockerfile with BuildKit's parser. A syntax error is a
// diagnostic at its line.
func Parse(f *source.File) ([]Instruction, diag.List) {
	res, err := parser.Parse(bytes.NewReader(f.LF()))
	if err != nil {
		pos := f.Pos(0)
		if loc, ok := err.(interface{ Location() []parser.Range }); ok && len(loc.Location()) > 0 {
			pos = f.PosIn(source.Dockerfile, loc.Location()[0].Start.Line, 1)
		}
		return nil, diag.List{{Pos: pos, End: pos, Severity: diag.Error, Code: "dockerfile/syntax",
			Message: "invalid Dockerfile: " + err.Error()}}
	}
	var out []Instruction
	stage := -1
	for _, n := range res.AST.Children {
		in := Instruction{Command: strings.ToLower(n.Value), Flags: n.Flags, Line: n.StartLine,
			Original: n.Original, JSON: n.Attributes["json"]}
		if in.Command == "from" {
			stage++
		}
		in.Stage = max(stage, 0)
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
		out = append(out, in)
	}
	return out, nil
}
