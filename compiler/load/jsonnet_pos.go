package load

import (
	"bytes"

	"github.com/google/go-jsonnet/ast"

	"github.com/kilnhq/kiln/compiler/source"
)

// Positions in a Jsonnet definition. Evaluation gives JSON without
// positions, so kiln follows the program's (desugared) AST from its final
// expression to the text that wrote each value: through locals, variables,
// calls of the file's own functions (parameters bound to the caller's
// arguments or to their defaults), fields of objects reached that way
// (a.b), and object sums (base { ... }, with +: fields). A field is then
// located at its key where the object literal writes it, and a value at
// its literal, even when the literal is an argument at a call. Where the
// AST does not say which text wrote a value (a conditional, a comprehension,
// the standard library, an import), the value points at the expression that
// computed it, as it is written in the file, and the fields inside it at
// that same place.

const (
	// traceDepth bounds how deep one value is followed: names bound to
	// names, calls in calls. Real definitions need a handful.
	traceDepth = 64
	// traceSteps bounds the work for one file, so that no program can make
	// locating its values cost more than evaluating it.
	traceSteps = 200_000
)

// relocate moves the positions of n, which point into generated JSON, to
// the Jsonnet text that produced each value.
func relocate(f *source.File, n *Node, expr ast.Node) {
	t := &tracer{file: f, steps: traceSteps}
	t.place(n, t.resolve(binding{expr: expr}, 0), f.Pos(0))
}

// A scope holds the names bound where an expression is evaluated.
type scope struct {
	vars map[ast.Identifier]binding
	up   *scope
}

func (s *scope) lookup(id ast.Identifier) (binding, bool) {
	for ; s != nil; s = s.up {
		if b, ok := s.vars[id]; ok {
			return b, true
		}
	}
	return binding{}, false
}

// A binding is an expression with the scope it is evaluated in.
type binding struct {
	expr ast.Node
	env  *scope
}

// A traced is what the tracer knows of the value an expression yields.
type traced struct {
	at      ast.Node  // the text that wrote it, or the expression that computed it
	env     *scope    // at's scope, for an array or a function
	objects []binding // an object: the literal objects it is the sum of, the last added first
	literal bool      // at is a literal, an object or an array as written
}

type tracer struct {
	file  *source.File
	steps int
}

// resolve follows b to the text that writes its value.
func (t *tracer) resolve(b binding, depth int) traced {
	t.steps--
	if depth > traceDepth || t.steps < 0 {
		return traced{at: b.expr}
	}
	depth++
	switch e := b.expr.(type) {
	case *ast.Local:
		return t.resolve(binding{e.Body, bind(b.env, e.Binds)}, depth)
	case *ast.Var:
		if bound, ok := b.env.lookup(e.Id); ok {
			return t.resolve(bound, depth)
		}
	case *ast.Apply:
		return t.call(e, b.env, depth)
	case *ast.Binary:
		return t.sum(e, b.env, depth)
	case *ast.Index:
		if name, ok := e.Index.(*ast.LiteralString); ok {
			if fld, ok := t.field(t.resolve(binding{e.Target, b.env}, depth).objects, name.Value, depth); ok {
				return fld.value
			}
		}
	case *ast.DesugaredObject:
		return traced{at: e, objects: []binding{{e, bind(b.env, e.Locals)}}, literal: true}
	case *ast.Array, *ast.Function:
		return traced{at: e, env: b.env, literal: true}
	case *ast.LiteralString, *ast.LiteralNumber, *ast.LiteralBoolean, *ast.LiteralNull:
		return traced{at: e, literal: true}
	}
	return traced{at: b.expr}
}

// bind returns the scope of binds, which see each other (Jsonnet's locals
// are mutually recursive), inside env.
func bind(env *scope, binds ast.LocalBinds) *scope {
	if len(binds) == 0 {
		return env
	}
	s := &scope{vars: make(map[ast.Identifier]binding, len(binds)), up: env}
	for _, l := range binds {
		s.vars[l.Variable] = binding{l.Body, s}
	}
	return s
}

// call follows a call of one of the file's functions into its body, with
// the parameters bound to the arguments. A result the body computes
// points at the call, where the user chose the arguments.
func (t *tracer) call(e *ast.Apply, env *scope, depth int) traced {
	target := t.resolve(binding{e.Target, env}, depth)
	fn, ok := target.at.(*ast.Function)
	if !ok {
		return traced{at: e}
	}
	params := &scope{vars: map[ast.Identifier]binding{}, up: target.env}
	for i, p := range fn.Parameters {
		if p.DefaultArg != nil {
			params.vars[p.Name] = binding{p.DefaultArg, params}
		}
		if i < len(e.Arguments.Positional) {
			params.vars[p.Name] = binding{e.Arguments.Positional[i].Expr, env}
		}
	}
	for _, a := range e.Arguments.Named {
		params.vars[a.Name] = binding{a.Arg, env}
	}
	v := t.resolve(binding{fn.Body, params}, depth)
	if !v.literal {
		return traced{at: e}
	}
	return v
}

// sum follows an object sum, a + b (and a { ... }): the fields of b, then
// those of a.
func (t *tracer) sum(e *ast.Binary, env *scope, depth int) traced {
	if e.Op != ast.BopPlus {
		return traced{at: e}
	}
	right := t.resolve(binding{e.Right, env}, depth)
	if len(right.objects) == 0 {
		return traced{at: e}
	}
	left := t.resolve(binding{e.Left, env}, depth)
	return traced{at: e, objects: append(right.objects, left.objects...), literal: true}
}

// A tracedField is a field found in an object literal.
type tracedField struct {
	loc   ast.LocationRange // the field as written, from its key
	value traced
}

// field finds the field called name in the sum of objects, last added
// first; a +: field adds the same field of the objects below it.
func (t *tracer) field(objects []binding, name string, depth int) (tracedField, bool) {
	for i, o := range objects {
		obj := o.expr.(*ast.DesugaredObject)
		for _, of := range obj.Fields {
			if lit, ok := of.Name.(*ast.LiteralString); !ok || lit.Value != name {
				continue
			}
			v := t.resolve(binding{of.Body, o.env}, depth)
			if of.PlusSuper {
				if below, ok := t.field(objects[i+1:], name, depth); ok {
					v.objects = append(v.objects, below.value.objects...)
				}
			}
			return tracedField{loc: of.LocRange, value: v}, true
		}
	}
	return tracedField{}, false
}

// place sets the positions of n and everything in it from v; fallback is
// the position of the closest field above n that the file writes.
func (t *tracer) place(n *Node, v traced, fallback source.Pos) {
	n.Pos, n.End = t.span(v.at, fallback)
	switch n.Kind {
	case Map:
		for i := range n.Fields {
			t.placeField(n, &n.Fields[i], v)
		}
	case List:
		arr, _ := v.at.(*ast.Array)
		for i, item := range n.Items {
			if arr == nil || i >= len(arr.Elements) {
				placeAll(item, n.Pos, n.End)
				continue
			}
			t.place(item, t.resolve(binding{arr.Elements[i].Expr, v.env}, 0), n.Pos)
		}
	}
}

func (t *tracer) placeField(n *Node, field *Field, v traced) {
	fld, ok := t.field(v.objects, field.Name, 0)
	if !ok {
		field.KeyPos, field.KeyEnd = n.Pos, n.End
		placeAll(field.Value, n.Pos, n.End)
		return
	}
	field.KeyPos = t.pos(fld.loc, n.Pos)
	field.KeyEnd = field.KeyPos
	if bytes.HasPrefix(t.file.Content[field.KeyPos.Offset:], []byte(field.Name)) {
		field.KeyEnd = t.file.Pos(field.KeyPos.Offset + len(field.Name))
	}
	t.place(field.Value, fld.value, field.KeyPos)
}

// placeAll points n and everything in it at the text from pos to end,
// the expression that computed them: no text of the file writes them.
func placeAll(n *Node, pos, end source.Pos) {
	n.Pos, n.End = pos, end
	for i := range n.Fields {
		n.Fields[i].KeyPos, n.Fields[i].KeyEnd = pos, end
		placeAll(n.Fields[i].Value, pos, end)
	}
	for _, it := range n.Items {
		placeAll(it, pos, end)
	}
}

// span is the text of expression e, or fallback for an expression the
// desugarer made up or one from another file.
func (t *tracer) span(e ast.Node, fallback source.Pos) (source.Pos, source.Pos) {
	loc := e.Loc()
	if loc == nil || !t.inFile(*loc) {
		return fallback, fallback
	}
	return jsonnetPos(t.file, loc.Begin), jsonnetPos(t.file, loc.End)
}

func (t *tracer) pos(loc ast.LocationRange, fallback source.Pos) source.Pos {
	if !t.inFile(loc) {
		return fallback
	}
	return jsonnetPos(t.file, loc.Begin)
}

func (t *tracer) inFile(loc ast.LocationRange) bool {
	return loc.FileName == t.file.Name && loc.Begin.Line > 0
}
