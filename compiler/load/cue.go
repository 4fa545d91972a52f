package load

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// loadCUE evaluates a CUE file whose top level is the app, and turns the
// result into a Doc. Computation is allowed (comprehensions, references,
// the standard library); the result must be concrete data. Hidden fields
// (_x) and definitions (#X) are helpers and do not become part of the app.
//
// The evaluation runs in opts.Sandbox when there is one, under
// opts.Memory and opts.EvalTimeout: a comprehension over list.Range(0,
// 1e8) is a definition too.
func loadCUE(f *source.File, opts Options) (*Node, diag.List) {
	var res cueResult
	if ds := Evaluate(f, opts, taskCUE, cueRequest{Name: f.Name, Content: f.Content}, &res, nil); ds != nil {
		ds[0].Pos, ds[0].End = CUEBody(f)
		return nil, ds
	}
	if len(res.Diags) > 0 && res.Root == nil {
		return nil, diag.FromWire(f, res.Diags)
	}
	return res.Root.node(f), diag.FromWire(f, res.Diags)
}

// A cueRequest asks for one evaluation of a kiln.cue, in this process or
// a worker.
type cueRequest struct {
	Name    string
	Content []byte
}

// A cueResult is the app the file evaluates to, or why there is none.
type cueResult struct {
	Root  *wireNode
	Diags []diag.Wire
}

func evalCUE(req cueRequest) cueResult {
	f := source.NewFile(req.Name, req.Content)
	root, ds := convertCUE(f)
	return cueResult{Root: toWireNode(root), Diags: diag.ToWire(ds)}
}

// CUEBody is where a CUE evaluation that ran out of time or memory is
// reported: the file's first declaration past its package clause and
// imports, the first thing evaluated. It parses again, but only on that
// failure.
func CUEBody(f *source.File) (source.Pos, source.Pos) {
	file, err := parser.ParseFile(f.Name, f.LF())
	if err != nil {
		return f.Pos(0), f.Pos(0)
	}
	for _, d := range file.Decls {
		switch d.(type) {
		case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute:
			continue
		}
		return cuePos(f, d.Pos()), cuePos(f, d.End())
	}
	return f.Pos(0), f.Pos(0)
}

// convertCUE evaluates f and converts the result.
func convertCUE(f *source.File) (*Node, diag.List) {
	file, err := parser.ParseFile(f.Name, f.LF())
	if err != nil {
		return nil, cueErrors(f, err, "load/cue-syntax", "invalid CUE: ")
	}
	if ds := externalImports(f, file); len(ds) > 0 {
		return nil, ds
	}
	v := cuecontext.New().BuildFile(file)
	if err := v.Err(); err != nil {
		return nil, cueErrors(f, err, "load/cue-error", "")
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return nil, cueErrors(f, err, "load/cue-error", "")
	}
	c := &cueConverter{file: f, labels: map[string]ast.Node{}}
	c.index(nil, file.Decls)
	return c.convert(nil, v), c.diags
}

type cueConverter struct {
	file   *source.File
	labels map[string]ast.Node // path key → the label the user wrote, where one is literal
	diags  diag.List
}

// index records the position of each literal field label, so that a
// finding about a field points at its name, as it does in YAML.
func (c *cueConverter) index(path []string, decls []ast.Decl) {
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil {
			continue
		}
		p := append(path[:len(path):len(path)], name)
		if _, seen := c.labels[pathKey(p)]; !seen {
			c.labels[pathKey(p)] = f.Label
		}
		if s, ok := f.Value.(*ast.StructLit); ok {
			c.index(p, s.Elts)
		}
	}
}

func pathKey(path []string) string { return strings.Join(path, "\x00") }

func (c *cueConverter) span(v cue.Value) (source.Pos, source.Pos) {
	src := v.Source()
	if f, ok := src.(*ast.Field); ok { // a shorthand field (a: b: 1): the value is what to point at
		src = f.Value
	}
	if src != nil && src.Pos().Filename() == c.file.Name {
		return cuePos(c.file, src.Pos()), cuePos(c.file, src.End())
	}
	p := cuePos(c.file, v.Pos())
	return p, p
}

func (c *cueConverter) convert(path []string, v cue.Value) *Node {
	out := &Node{}
	out.Pos, out.End = c.span(v)
	switch v.Kind() {
	case cue.StructKind:
		out.Kind = Map
		it, _ := v.Fields()
		for it.Next() {
			p := append(path[:len(path):len(path)], it.Selector().Unquoted())
			field := Field{Name: it.Selector().Unquoted(), Value: c.convert(p, it.Value())}
			field.KeyPos, field.KeyEnd = field.Value.Pos, field.Value.Pos
			if l, ok := c.labels[pathKey(p)]; ok {
				field.KeyPos, field.KeyEnd = cuePos(c.file, l.Pos()), cuePos(c.file, l.End())
			}
			out.Fields = append(out.Fields, field)
		}
	case cue.ListKind:
		out.Kind = List
		it, _ := v.List()
		for i := 0; it.Next(); i++ {
			out.Items = append(out.Items, c.convert(append(path[:len(path):len(path)], strconv.Itoa(i)), it.Value()))
		}
	case cue.StringKind:
		s, _ := v.String()
		out.Kind, out.Scalar = String, s
	case cue.IntKind, cue.FloatKind, cue.NumberKind:
		b, _ := v.MarshalJSON()
		out.Kind, out.Scalar = Number, json.Number(b)
	case cue.BoolKind:
		b, _ := v.Bool()
		out.Kind, out.Scalar = Bool, b
	case cue.NullKind:
		out.Kind = Null
	default:
		c.diags = append(c.diags, errorAt(out.Pos, "load/cue-error", "a "+v.Kind().String()+" value cannot be part of an app definition"))
	}
	return out
}

// externalImports reports imports of anything but CUE's standard library: a
// kiln.cue is one self-contained file, so that kiln never resolves modules
// (which could mean a network fetch). Standard library paths have no dot in
// their first element ("strings", "encoding/yaml").
func externalImports(f *source.File, file *ast.File) diag.List {
	var ds diag.List
	for spec := range file.ImportSpecs() {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") {
			ds = append(ds, diag.Diagnostic{Pos: cuePos(f, spec.Path.Pos()), End: cuePos(f, spec.Path.End()),
				Severity: diag.Error, Code: "load/cue-import", Kind: diag.Input,
				Message: fmt.Sprintf("import %q: a kiln.cue may import only CUE's standard library; put shared values in the file, or use Jsonnet for shared libraries", path)})
		}
	}
	return ds
}
