package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/yamlsyntax"
)

// loadYAML parses one YAML document. yaml.v3's node API keeps the line and
// column of every key and value; decoding into maps would lose them.
func loadYAML(f *source.File, maxNodes int) (*Node, diag.List) {
	dec := yaml.NewDecoder(bytes.NewReader(f.Content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, diag.List{errorAt(f.Pos(0), "load/empty",
				"file has no content, only comments; an app definition starts with apiVersion: kiln.dev/v1alpha1 and kind: App")}
		}
		return nil, diag.List{yamlSyntaxError(f, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, diag.List{errorAt(f.PosIn(source.YAML, next.Line, next.Column), "load/multiple-documents",
			"file holds several YAML documents; a kiln definition holds exactly one app (remove the '---' and what follows, or split it into one file per app)")}
	case !errors.Is(err, io.EOF):
		return nil, diag.List{yamlSyntaxError(f, err)}
	}
	c := &yamlConverter{file: f, limit: maxNodes, budget: maxNodes, expanding: map[*yaml.Node]bool{}}
	root := c.convert(doc.Content[0])
	return root, c.diags
}

// yamlSyntaxError positions a syntax error at the first text of its line;
// yaml.v3 reports no column.
func yamlSyntaxError(f *source.File, err error) diag.Diagnostic {
	pos := f.Pos(0)
	line, msg := yamlsyntax.Line(f.Content, err)
	if line > 0 {
		pos = f.PosIn(source.YAML, line, 1)
		text := f.Content[pos.Offset:f.PosIn(source.YAML, line, math.MaxInt).Offset]
		if i := bytes.IndexByte(text, '\t'); i >= 0 && strings.Contains(msg, "cannot start any token") {
			pos = f.Pos(pos.Offset + i)
			msg = "tab character: YAML indents with spaces only"
		} else {
			pos = f.Pos(pos.Offset + len(text) - len(bytes.TrimLeft(text, " \t")))
		}
	}
	return errorAt(pos, "load/yaml-syntax", "invalid YAML: "+msg)
}

type yamlConverter struct {
	file      *source.File
	limit     int                 // most values a document may expand to
	budget    int                 // values left before alias expansion is refused
	expanding map[*yaml.Node]bool // anchors being expanded, to stop self-reference
	diags     diag.List
}

func (c *yamlConverter) fail(n *yaml.Node, code, msg string) *Node {
	c.diags = append(c.diags, errorAt(c.pos(n), code, msg))
	return &Node{Kind: Null, Pos: c.pos(n), End: c.pos(n)}
}

// pos positions n: yaml.v3 counts lines as YAML does (a lone \r, NEL, LS
// and PS end one too) and columns in characters.
func (c *yamlConverter) pos(n *yaml.Node) source.Pos {
	return c.file.PosIn(source.YAML, n.Line, n.Column)
}

func (c *yamlConverter) convert(n *yaml.Node) *Node {
	if c.budget--; c.budget < 0 {
		if c.budget == -1 {
			return c.fail(n, "load/too-many-values", fmt.Sprintf(
				"document expands to more than %d values (YAML aliases repeat what they point to); refusing to load it", c.limit))
		}
		return &Node{Pos: c.pos(n), End: c.pos(n)}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.alias(n)
	case yaml.MappingNode:
		return c.mapping(n)
	case yaml.SequenceNode:
		out := &Node{Kind: List, Pos: c.pos(n), End: c.pos(n)}
		for _, item := range n.Content {
			out.Items = append(out.Items, c.convert(item))
		}
		if len(out.Items) > 0 {
			out.End = out.Items[len(out.Items)-1].End
		}
		return out
	}
	return c.scalar(n)
}

func (c *yamlConverter) alias(n *yaml.Node) *Node {
	if c.expanding[n.Alias] {
		return c.fail(n, "load/yaml-alias", fmt.Sprintf("alias *%s refers to itself", n.Value))
	}
	c.expanding[n.Alias] = true
	defer delete(c.expanding, n.Alias)
	// The expansion keeps the positions of the anchored text: that is where
	// the values were written.
	return c.convert(n.Alias)
}

func (c *yamlConverter) mapping(n *yaml.Node) *Node {
	out := &Node{Kind: Map, Pos: c.pos(n), End: c.pos(n)}
	seen := map[string]source.Pos{}
	var merged []Field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, c.merge(v)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			c.fail(k, "load/yaml-key", "a key must be a plain value such as a name, not a list or a mapping")
			continue
		}
		kp := c.pos(k)
		if first, dup := seen[k.Value]; dup {
			line, col := first.LineCol()
			c.diags = append(c.diags, diag.Diagnostic{Pos: kp, End: c.scalarEnd(k), Severity: diag.Error, Kind: diag.Input,
				Code: "load/duplicate-key", Message: fmt.Sprintf("duplicate key %q (first set at line %d, column %d)", k.Value, line, col)})
			continue
		}
		seen[k.Value] = kp
		val := c.convert(v)
		out.Fields = append(out.Fields, Field{Name: k.Value, KeyPos: kp, KeyEnd: c.scalarEnd(k), Value: val})
		out.End = val.End
	}
	// YAML merge keys (<<: *base) add the fields the mapping does not set itself.
	for _, f := range merged {
		if _, set := seen[f.Name]; !set {
			seen[f.Name] = f.KeyPos
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

func (c *yamlConverter) merge(v *yaml.Node) []Field {
	var sources []*Node
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			sources = append(sources, c.convert(item))
		}
	} else {
		sources = append(sources, c.convert(v))
	}
	var fields []Field
	for _, s := range sources {
		if s.Kind != Map {
			c.diags = append(c.diags, errorAt(s.Pos, "load/yaml-merge", "a merge key (<<) takes a mapping or a list of mappings"))
			continue
		}
		fields = append(fields, s.Fields...)
	}
	return fields
}

func (c *yamlConverter) scalar(n *yaml.Node) *Node {
	out := &Node{Pos: c.pos(n), End: c.scalarEnd(n)}
	switch n.ShortTag() {
	case "!!null":
		out.Kind = Null
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return c.fail(n, "load/yaml-value", "invalid boolean "+strconv.Quote(n.Value))
		}
		out.Kind, out.Scalar = Bool, b
	case "!!int", "!!float":
		num, ok := yamlNumber(n)
		if !ok {
			return c.fail(n, "load/yaml-value", fmt.Sprintf("%s is not a finite number kiln can represent", n.Value))
		}
		out.Kind, out.Scalar = Number, num
	case "!!str", "!!timestamp":
		// A timestamp stays the text the user wrote; no kiln field is a time.
		out.Kind, out.Scalar = String, n.Value
	default:
		return c.fail(n, "load/yaml-tag", fmt.Sprintf("YAML tag %s is not supported in app definitions", n.Tag))
	}
	return out
}

func yamlNumber(n *yaml.Node) (json.Number, bool) {
	var v any
	if err := n.Decode(&v); err != nil {
		return "", false
	}
	switch v := v.(type) {
	case int:
		return json.Number(strconv.Itoa(v)), true
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), true
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "", false
		}
		return json.Number(strconv.FormatFloat(v, 'g', -1, 64)), true
	}
	return "", false
}

// scalarEnd finds where a scalar's text ends on its line, so that reports
// can underline it. Block and multi-line scalars end at the end of the line.
func (c *yamlConverter) scalarEnd(n *yaml.Node) source.Pos {
	start := c.pos(n)
	lineEnd := c.file.PosIn(source.YAML, n.Line, math.MaxInt).Offset
	rest := c.file.Content[start.Offset:lineEnd]
	if n.Kind != yaml.ScalarNode || len(rest) == 0 {
		return start
	}
	switch q := rest[0]; {
	case q == '"' || q == '\'':
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\\' && q == '"' {
				i++
				continue
			}
			if rest[i] == q {
				return c.file.Pos(start.Offset + i + 1)
			}
		}
	case q == '|' || q == '>':
		return c.file.Pos(start.Offset + 1)
	case bytes.HasPrefix(rest, []byte(n.Value)): // not string(rest): the rest of a long line, copied per value
		return c.file.Pos(start.Offset + len(n.Value))
	}
	return c.file.Pos(lineEnd)
}

// Stream loads every document of a multi-document YAML file, such as
// kubectl and helm template write: the documents that hold a value, in
// order. Empty documents (a lone '---', only comments) are skipped. The
// size and value limits apply to the file as a whole.
func Stream(f *source.File, opts Options) ([]*Node, diag.List) {
	opts = opts.withDefaults(f.Name)
	if d, ok := checkBytes(f, opts.MaxBytes); !ok {
		return nil, diag.List{d}
	}
	dec := yaml.NewDecoder(bytes.NewReader(f.Content))
	c := &yamlConverter{file: f, limit: opts.MaxNodes, budget: opts.MaxNodes, expanding: map[*yaml.Node]bool{}}
	var docs []*Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, diag.List{yamlSyntaxError(f, err)}
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		docs = append(docs, c.convert(doc.Content[0]))
		if len(c.diags) > 0 {
			return nil, c.diags
		}
	}
	return docs, nil
}
