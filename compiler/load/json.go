package load

import (
	"encoding/json"
	"errors"
	"fmt"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// loadJSON parses a JSON document with CUE's JSON decoder, whose syntax tree
// keeps the position of every key and value.
func loadJSON(f *source.File) (*Node, diag.List) {
	expr, err := cuejson.Extract(f.Name, f.Content)
	if err != nil {
		// encoding/json says what is wrong more plainly, and where.
		var v any
		var se *json.SyntaxError
		if jerr := json.Unmarshal(f.Content, &v); errors.As(jerr, &se) {
			pos := f.Pos(max(int(se.Offset)-1, 0))
			return nil, diag.List{errorAt(pos, "load/json-syntax", "invalid JSON: "+se.Error())}
		}
		return nil, cueErrors(f, err, "load/json-syntax", "invalid JSON: ")
	}
	c := &jsonConverter{file: f}
	return c.convert(expr), c.diags
}

type jsonConverter struct {
	file  *source.File
	diags diag.List
}

func (c *jsonConverter) pos(p token.Pos) source.Pos { return cuePos(c.file, p) }

func (c *jsonConverter) convert(e ast.Expr) *Node {
	out := &Node{Pos: c.pos(e.Pos()), End: c.pos(e.End())}
	switch e := e.(type) {
	case *ast.StructLit:
		out.Kind = Map
		seen := map[string]source.Pos{}
		for _, decl := range e.Elts {
			field, ok := decl.(*ast.Field)
			if !ok {
				continue
			}
			name, _, err := ast.LabelName(field.Label)
			if err != nil {
				c.diags = append(c.diags, errorAt(c.pos(field.Label.Pos()), "load/json-syntax", "invalid key"))
				continue
			}
			kp, ke := c.keySpan(field.Label)
			if first, dup := seen[name]; dup {
				line, col := first.LineCol()
				c.diags = append(c.diags, diag.Diagnostic{Pos: kp, End: ke, Severity: diag.Error, Kind: diag.Input,
					Code: "load/duplicate-key", Message: fmt.Sprintf("duplicate key %q (first set at line %d, column %d)", name, line, col)})
				continue
			}
			seen[name] = kp
			out.Fields = append(out.Fields, Field{Name: name, KeyPos: kp, KeyEnd: ke, Value: c.convert(field.Value)})
		}
	case *ast.ListLit:
		out.Kind = List
		for _, item := range e.Elts {
			out.Items = append(out.Items, c.convert(item))
		}
	case *ast.UnaryExpr: // a negative number
		n := c.convert(e.X)
		if n.Kind == Number {
			out.Kind, out.Scalar = Number, json.Number("-"+string(n.Scalar.(json.Number)))
		}
	case *ast.BasicLit:
		c.basic(out, e)
	}
	return out
}

// keySpan returns the span of a quoted key, quotes included. CUE's JSON
// decoder places a label's position after its opening quote.
func (c *jsonConverter) keySpan(label ast.Label) (source.Pos, source.Pos) {
	start := c.pos(label.Pos()).Offset
	content := c.file.Content
	if start <= 0 || start > len(content) || content[start-1] != '"' {
		return c.file.Pos(start), c.file.Pos(start)
	}
	end := start
	for end < len(content) && content[end] != '"' {
		if content[end] == '\\' {
			end++
		}
		end++
	}
	return c.file.Pos(start - 1), c.file.Pos(min(end+1, len(content)))
}

func (c *jsonConverter) basic(out *Node, e *ast.BasicLit) {
	switch e.Kind {
	case token.STRING:
		s, err := literal.Unquote(e.Value)
		if err != nil {
			c.diags = append(c.diags, errorAt(out.Pos, "load/json-syntax", "invalid string: "+err.Error()))
		}
		out.Kind, out.Scalar = String, s
	case token.INT, token.FLOAT:
		out.Kind, out.Scalar = Number, json.Number(e.Value)
	case token.TRUE, token.FALSE:
		out.Kind, out.Scalar = Bool, e.Kind == token.TRUE
	case token.NULL:
		out.Kind = Null
	}
}

// cuePos converts a CUE position into f, which must be the file CUE read.
func cuePos(f *source.File, p token.Pos) source.Pos {
	if !p.IsValid() {
		return f.Pos(0)
	}
	return f.Pos(p.Offset())
}

// cueErrors turns each of CUE's errors into a positioned diagnostic.
func cueErrors(f *source.File, err error, code, prefix string) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		// A conflict has no single position; the first of the input
		// positions that lies in f is where the user wrote it.
		pos := f.Pos(0)
		for _, p := range append([]token.Pos{e.Position()}, e.InputPositions()...) {
			if p.IsValid() && p.Filename() == f.Name {
				pos = cuePos(f, p)
				break
			}
		}
		out = append(out, errorAt(pos, code, prefix+fmt.Sprintf(format, args...)))
	}
	return out
}
