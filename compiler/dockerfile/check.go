package dockerfile

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

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
	// Expanded are the arguments of EXPOSE and USER with the variables
	// the Dockerfile itself gives a value (ARG and ENV defaults) expanded
	// as BuildKit expands them: EXPOSE $PORT after ARG PORT=80 is
	// EXPOSE 80. An argument that names a variable without a known value
	// (a build argument without a default, an ENV of the base image) is
	// left as written. Nil for other instructions.
	Expanded []string
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
		return nil, diag.List{{Pos: pos, End: pos, Severity: diag.Error, Code: "dockerfile/syntax", Kind: diag.Input,
			Message: "invalid Dockerfile: " + err.Error()}}
	}
	var out []Instruction
	stage := -1
	vars := newScope(res.EscapeToken)
	for _, n := range res.AST.Children {
		in := Instruction{Command: strings.ToLower(n.Value), Flags: n.Flags, Line: n.StartLine,
			Original: n.Original, JSON: n.Attributes["json"]}
		if in.Command == "from" {
			stage++
			vars.from()
		}
		in.Stage = max(stage, 0)
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
		switch in.Command {
		case "arg", "env":
			vars.declare(n, stage >= 0)
		case "expose", "user":
			in.Expanded = vars.expand(in.Args, in.Command == "expose")
		}
		out = append(out, in)
	}
	return out, nil
}

// scope holds the variables with known values at one point of a
// Dockerfile, as BuildKit's frontend tracks them: ARGs before the first
// FROM are global, seen inside a stage only when the stage declares the
// ARG again; a stage's ARG and ENV hold until the next FROM.
type scope struct {
	lex     *shell.Lex
	global  map[string]string
	stage   map[string]string
	unknown map[string]bool // declared in the stage, value unknown
}

func newScope(escape rune) *scope {
	return &scope{lex: shell.NewLex(escape), global: map[string]string{}}
}

func (s *scope) from() {
	s.stage, s.unknown = map[string]string{}, map[string]bool{}
}

// declare records an ARG or ENV. An instruction BuildKit would refuse
// changes nothing: its own error is not this check's to report.
func (s *scope) declare(n *parser.Node, inStage bool) {
	cmd, err := instructions.ParseInstruction(n)
	if err != nil {
		return
	}
	vars := s.global
	if inStage {
		vars = s.stage
	}
	set := func(k, v string, known bool) {
		if known {
			vars[k] = v
			delete(s.unknown, k)
			return
		}
		delete(vars, k)
		if inStage {
			s.unknown[k] = true
		}
	}
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			switch {
			case kv.Value != nil:
				v, ok := s.word(*kv.Value, vars)
				set(kv.Key, v, ok)
			case inStage:
				v, ok := s.global[kv.Key]
				set(kv.Key, v, ok)
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v, ok := s.word(kv.Value, vars)
			set(kv.Key, v, ok)
		}
	}
}

// word expands one word; ok is false when it names a variable without a
// known value.
func (s *scope) word(w string, vars map[string]string) (string, bool) {
	r, err := s.lex.ProcessWordWithMatches(w, shell.EnvsFromSlice(environ(vars)))
	if err != nil || len(r.Unmatched) > 0 {
		return w, false
	}
	for name := range r.Matched {
		if s.unknown[name] {
			return w, false
		}
	}
	return r.Result, true
}

// expand expands an instruction's arguments; split splits the results
// into words, as EXPOSE does.
func (s *scope) expand(args []string, split bool) []string {
	if s.stage == nil {
		return args
	}
	var out []string
	for _, a := range args {
		v, ok := s.word(a, s.stage)
		switch {
		case !ok:
			out = append(out, a)
		case split:
			out = append(out, strings.Fields(v)...)
		default:
			out = append(out, v)
		}
	}
	return out
}

func environ(vars map[string]string) []string {
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}
