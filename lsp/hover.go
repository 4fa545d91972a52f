package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/explain"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/sourcemap"
)

// fileOf returns the buffer of an open document, or the file on disk.
func (s *Server) fileOf(u protocol.DocumentURI) (*source.File, error) {
	path := pathOf(u)
	if path == "" {
		return nil, fmt.Errorf("kiln reads only file: URIs, not %s", u)
	}
	if d := s.docs.get(path); d != nil {
		return d.file, nil
	}
	b, err := repoDisk{}.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return source.NewFile(path, b), nil
}

// loadDoc loads a definition's text into kiln's positioned tree as the
// check loads it: its imports read through the open buffers over the
// disk and confined to the repository root, so that a Jsonnet app
// importing ../lib has its hovers, outline and fixes. nil when it does
// not load (the diagnostics say why).
func (s *Server) loadDoc(ctx context.Context, f *source.File) *load.Doc {
	doc, _ := load.Load(f, load.Options{Root: discover.RepoRoot(f.Name), ReadFile: buffered(s.docs.snapshot()).ReadFile, Context: ctx, Sandbox: s.opts.Sandbox})
	return doc
}

// at is what the cursor is on in a loaded definition.
type at struct {
	path  []string // the field, list indexes included
	onKey bool
	node  *load.Node
}

// locate finds the deepest field whose key or value holds off.
func locate(doc *load.Doc, off int) (at, bool) {
	var best at
	found := false
	var walk func(n *load.Node, path []string)
	walk = func(n *load.Node, path []string) {
		switch n.Kind {
		case load.Map:
			for _, f := range n.Fields {
				p := append(slices.Clip(path), f.Name)
				if off >= f.KeyPos.Offset && off <= f.KeyEnd.Offset {
					best, found = at{path: p, onKey: true, node: f.Value}, true
					return
				}
				if off >= f.Value.Pos.Offset && off <= f.Value.End.Offset {
					best, found = at{path: p, node: f.Value}, true
					walk(f.Value, p)
				}
			}
		case load.List:
			for i, it := range n.Items {
				if off >= it.Pos.Offset && off <= it.End.Offset {
					walk(it, append(slices.Clip(path), strconv.Itoa(i)))
				}
			}
		}
	}
	walk(doc.Root, nil)
	return best, found
}

// schemaPath is a field's path as explain takes it: list indexes dropped.
func schemaPath(path []string) string {
	var out []string
	for _, p := range path {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func (s *Server) hover(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	f, err := s.fileOf(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	off := offsetOf(f, p.Position)
	def := s.docs.definitionFor(f.Name)
	if id, start, end, ok := s.ruleAt(def, f, off); ok {
		r := protocol.Range{Start: positionOf(f.Pos(start)), End: positionOf(f.Pos(end))}
		return &protocol.Hover{Contents: markdown(s.ruleText(def, id)), Range: &r}, nil
	}
	if kindOf(f.Name) != definitionFile {
		return nil, nil
	}
	doc := s.loadDoc(ctx, f)
	if doc == nil {
		return nil, nil
	}
	a, ok := locate(doc, off)
	if !ok {
		return nil, nil
	}
	text, err := explain.Text(s.opts.Schema, schemaPath(a.path))
	if err != nil {
		return nil, nil // a key the schema does not know: its diagnostic says so
	}
	var b strings.Builder
	b.WriteString("```text\n" + text + "```\n")
	if produced := s.produced(ctx, def, a.path); produced != "" {
		b.WriteString("\n**What it produced**\n\n" + produced)
	}
	start, end := a.node.Pos, a.node.End
	r := rangeOf(start, end)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: b.String()}, Range: &r}, nil
}

func markdown(s string) protocol.MarkupContent {
	return protocol.MarkupContent{Kind: protocol.Markdown, Value: s}
}

// produced lists, per environment, the emitted fields whose value came
// from the app field at path (or from inside it): what the value decided.
func (s *Server) produced(ctx context.Context, def string, path []string) string {
	res, _, err := s.opts.Checker.Build(ctx, def, buffered(s.docs.snapshot()))
	if err != nil || res == nil {
		return ""
	}
	// An override in an environment decides for that environment only.
	want := path
	only := ""
	if len(path) > 3 && path[0] == "spec" && path[1] == "environments" {
		only = path[2]
		want = append([]string{"spec"}, path[3:]...)
	}
	// Environments that produced the same are one line.
	var lines []string
	var names []string
	byText := map[string][]string{}
	for _, env := range res.Envs {
		if only != "" && env.Name != only {
			continue
		}
		items := producedIn(env, want)
		if len(items) == 0 {
			continue
		}
		text := strings.Join(items, "; ")
		if byText[text] == nil {
			names = append(names, text)
		}
		byText[text] = append(byText[text], env.Name)
	}
	for _, text := range names {
		lines = append(lines, fmt.Sprintf("- %s: %s", strings.Join(byText[text], ", "), text))
	}
	const max = 12
	if len(lines) > max {
		lines = append(lines[:max], fmt.Sprintf("- … and %d more", len(lines)-max))
	}
	return strings.Join(lines, "\n")
}

func producedIn(env build.Env, want []string) []string {
	var items []string
	for _, o := range env.Objects {
		fields := env.Origins.Fields(o.Key())
		var mine []string
		for field, origin := range fields {
			if len(origin) >= len(want) && slices.Equal(origin[:len(want)], want) {
				mine = append(mine, field)
			}
		}
		slices.Sort(mine)
		for _, field := range mine {
			v, ok := sourcemap.Lookup(o.Content, field)
			if !ok {
				continue
			}
			items = append(items, fmt.Sprintf("%s %s = %s", o.Key(), field, short(v)))
		}
	}
	return items
}

// short renders an emitted value for one line of a hover: topology
// spread as the keys it spreads over, anything else compactly.
func short(v any) string {
	if spread, ok := spreadOf(v); ok {
		return spread
	}
	switch v := v.(type) {
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		s := string(b)
		if len(s) > 80 {
			s = s[:77] + "…"
		}
		return s
	}
	return fmt.Sprint(v)
}

// spreadOf describes topologySpreadConstraints: "spread over
// kubernetes.io/hostname (DoNotSchedule), topology.kubernetes.io/zone
// (ScheduleAnyway)".
func spreadOf(v any) (string, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "", false
	}
	var parts []string
	for _, it := range list {
		m, ok := it.(map[string]any)
		key, ok2 := m["topologyKey"].(string)
		if !ok || !ok2 {
			return "", false
		}
		parts = append(parts, fmt.Sprintf("%s (%v)", key, m["whenUnsatisfiable"]))
	}
	return "spread over " + strings.Join(parts, ", "), true
}
