package lsp

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
)

// Completion works on the text, not on the loaded tree, because what the
// user is typing rarely parses: the field path at the cursor is read off
// the indentation of the lines above, as a person reads YAML. It serves
// YAML definitions and test files; JSON, CUE and Jsonnet get diagnostics,
// hover and fixes, but no completion.

func (s *Server) completion(ctx context.Context, p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	f, err := s.fileOf(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	if !strings.HasSuffix(f.Name, ".yaml") && !strings.HasSuffix(f.Name, ".yml") {
		return nil, nil
	}
	off := offsetOf(f, p.Position)
	def := s.docs.definitionFor(f.Name)
	c := contextAt(f.LF(), off) // its lines are the editor's, a lone \r being one end
	var items []protocol.CompletionItem
	switch kindOf(f.Name) {
	case definitionFile:
		if len(bytes.TrimSpace(stripComments(f.LF()))) == 0 {
			return &protocol.CompletionList{Items: []protocol.CompletionItem{skeleton(f.Name)}}, nil
		}
		if c.value {
			items = replacing(f, c, s.valueItems(def, c))
		} else {
			items = s.keyItems(ctx, f, c)
		}
	case testFile:
		items = s.testItems(ctx, def, c)
	}
	return &protocol.CompletionList{Items: items}, nil
}

// cursor is where the user types: the field path of the mapping (keys),
// or of the field whose value is being written (values).
type cursor struct {
	path   []string // "0" stands for any list item
	value  bool
	key    string // the field whose value is being typed
	prefix string // what is typed so far of the key or value
	off    int
}

func contextAt(src []byte, off int) cursor {
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	line := string(src[lineStart:off])
	indent := len(line) - len(strings.TrimLeft(line, " "))
	rest := line[indent:]
	var path []string
	need := indent
	if strings.HasPrefix(rest, "- ") || rest == "-" {
		path = []string{"0"}
		need = indent + 1
		rest = strings.TrimLeft(strings.TrimPrefix(rest, "-"), " ")
	}
	c := cursor{prefix: rest, off: off}
	if k, v, ok := strings.Cut(rest, ":"); ok {
		c.value, c.key, c.prefix = true, strings.TrimSpace(k), strings.TrimSpace(v)
	}
	c.path = append(parents(src[:lineStart], need), path...)
	return c
}

// parents reads the field path that encloses a line indented by need,
// from the lines above it.
func parents(above []byte, need int) []string {
	var path []string
	lines := bytes.Split(above, []byte("\n"))
	for i := len(lines) - 1; i >= 0 && need > 0; i-- {
		l := string(bytes.TrimRight(lines[i], "\r"))
		t := strings.TrimLeft(l, " ")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		ind := len(l) - len(t)
		if strings.HasPrefix(t, "- ") || t == "-" {
			if ind >= need {
				continue
			}
			content := strings.TrimLeft(t[1:], " ")
			contentInd := ind + (len(t) - len(content))
			if k, v, ok := strings.Cut(content, ":"); ok && contentInd < need && strings.TrimSpace(stripComment(v)) == "" {
				path = append([]string{strings.TrimSpace(k)}, path...)
			}
			path = append([]string{"0"}, path...)
			need = ind + 1
			continue
		}
		if ind >= need {
			continue
		}
		if k, _, ok := strings.Cut(t, ":"); ok {
			path = append([]string{strings.TrimSpace(k)}, path...)
			need = ind
		}
	}
	return path
}

// siblings are the keys written at the cursor line's indentation in the
// same block, above and below it: the fields a mapping that does not
// parse yet already has.
func siblings(src []byte, off int) []string {
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	lines := bytes.Split(src, []byte("\n"))
	cur := bytes.Count(src[:lineStart], []byte("\n"))
	l := string(lines[cur])
	indent := len(l) - len(strings.TrimLeft(l, " "))
	var keys []string
	scan := func(i int) bool {
		l := string(bytes.TrimRight(lines[i], "\r"))
		t := strings.TrimLeft(l, " ")
		if t == "" || strings.HasPrefix(t, "#") {
			return true
		}
		ind := len(l) - len(t)
		if ind < indent || ind == indent && strings.HasPrefix(t, "- ") {
			return false
		}
		if k, _, ok := strings.Cut(t, ":"); ok && ind == indent {
			keys = append(keys, strings.TrimSpace(k))
		}
		return true
	}
	for i := cur - 1; i >= 0 && scan(i); i-- {
	}
	for i := cur + 1; i < len(lines) && scan(i); i++ {
	}
	return keys
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	if strings.HasPrefix(s, "#") {
		return ""
	}
	return s
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// keyItems are the fields the schema allows at the cursor that the
// mapping does not already have.
func (s *Server) keyItems(ctx context.Context, f *source.File, c cursor) []protocol.CompletionItem {
	fd, err := s.opts.Schema.Explain(schemaPath(c.path))
	if err != nil || (len(c.path) == 0 && fd.Path != "(app)") {
		return nil
	}
	have := map[string]bool{}
	if doc := s.loadDoc(ctx, f); doc != nil {
		if n := doc.Lookup(c.path); n != nil && n.Kind == load.Map && !slices.Contains(c.path, "0") {
			for _, fl := range n.Fields {
				have[fl.Name] = true
			}
		}
	} else {
		for _, k := range siblings(f.LF(), c.off) {
			have[k] = true
		}
	}
	var items []protocol.CompletionItem
	for _, child := range fd.Fields {
		if have[child.Name] && child.Name != c.prefix {
			continue
		}
		detail := child.Type
		if child.Required {
			detail += " (required)"
		}
		items = append(items, protocol.CompletionItem{Label: child.Name, Kind: protocol.CompletionItemKindField,
			Detail: detail, Documentation: markdown(child.Summary), InsertText: child.Name + ": "})
	}
	if schemaPath(c.path) == "spec.environments" {
		for _, env := range []string{"dev", "staging", "prod"} {
			if !have[env] {
				items = append(items, protocol.CompletionItem{Label: env, Kind: protocol.CompletionItemKindModule,
					Detail: "environment", InsertText: env + ":"})
			}
		}
	}
	return items
}

// replacing makes each value item replace what is typed of the value, so
// that 512 becomes 512Mi, not 512512Mi, whatever the client takes for a
// word.
func replacing(f *source.File, c cursor, items []protocol.CompletionItem) []protocol.CompletionItem {
	start := c.off - len(c.prefix)
	if c.prefix == "" || start < 0 || string(f.Content[start:c.off]) != c.prefix {
		return items
	}
	r := rangeOf(f.Pos(start), f.Pos(c.off))
	for i := range items {
		items[i].TextEdit = &protocol.TextEdit{Range: r, NewText: items[i].InsertText}
	}
	return items
}

// Quantities a team writes most often, for the resources fields.
var (
	cpuQuantities    = []string{"100m", "250m", "500m", "1", "2"}
	memoryQuantities = []string{"128Mi", "256Mi", "512Mi", "1Gi", "2Gi"}
)

// quantities offers the usual values of a CPU or memory field, or, once a
// number is typed, that number with each unit the field takes.
func quantities(cpu bool, typed string) []string {
	units, common := []string{"Mi", "Gi", "M", "G"}, memoryQuantities
	if cpu {
		units, common = []string{"m", ""}, cpuQuantities
	}
	if typed == "" || strings.Trim(typed, "0123456789.") != "" {
		return common
	}
	var out []string
	for _, u := range units {
		out = append(out, typed+u)
	}
	return out
}

// valueItems are the values a field takes: its enumeration, quantities
// with their units, rule ids in a waiver, the app's environments.
func (s *Server) valueItems(def string, c cursor) []protocol.CompletionItem {
	path := append(slices.Clone(c.path), c.key)
	sp := schemaPath(path)
	if strings.HasSuffix(sp, "waivers.rule") {
		return s.ruleItems(def)
	}
	if sp == "spec.dependsOn.app" {
		return s.appItems(def)
	}
	fd, err := s.opts.Schema.Explain(sp)
	if err != nil {
		return nil
	}
	var values []string
	switch {
	case len(fd.Enum) > 0:
		values = fd.Enum
	case fd.Format == "quantity":
		values = quantities(strings.Contains(strings.ToLower(c.key), "cpu"), c.prefix)
	}
	var items []protocol.CompletionItem
	for _, v := range values {
		items = append(items, protocol.CompletionItem{Label: v, Kind: protocol.CompletionItemKindValue, Detail: fd.Path, InsertText: v})
	}
	return items
}

// appItems are the other apps of def's repository, for dependsOn.
func (s *Server) appItems(def string) []protocol.CompletionItem {
	var items []protocol.CompletionItem
	for _, name := range s.opts.Checker.Apps(def, buffered(s.docs.snapshot())) {
		items = append(items, protocol.CompletionItem{Label: name, Kind: protocol.CompletionItemKindReference, Detail: "app of this repository", InsertText: name})
	}
	return items
}

func (s *Server) ruleItems(def string) []protocol.CompletionItem {
	var items []protocol.CompletionItem
	for _, r := range s.opts.Checker.Rules(def) {
		items = append(items, protocol.CompletionItem{Label: r.ID, Kind: protocol.CompletionItemKindReference,
			Detail: r.Severity.String() + ": " + r.Title, Documentation: markdown(s.ruleText(def, r.ID)), InsertText: r.ID})
	}
	return items
}

// testItems complete a test file: the app's environments for env:, rule
// ids for a policy assertion's rule:.
func (s *Server) testItems(ctx context.Context, def string, c cursor) []protocol.CompletionItem {
	if !c.value {
		return nil
	}
	switch c.key {
	case "rule":
		return s.ruleItems(def)
	case "env":
		res, _, err := s.opts.Checker.Build(ctx, def, buffered(s.docs.snapshot()))
		if err != nil || res == nil {
			return nil
		}
		var items []protocol.CompletionItem
		for _, e := range res.Envs {
			items = append(items, protocol.CompletionItem{Label: e.Name, Kind: protocol.CompletionItemKindModule, Detail: "environment", InsertText: e.Name})
		}
		return items
	}
	return nil
}

// skeleton is a snippet of a new app, for an empty definition.
func skeleton(name string) protocol.CompletionItem {
	app := strings.TrimSuffix(strings.TrimSuffix(baseDir(name), "/"), ".")
	text := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n  name: ${1:" + app + "}\n  owner: ${2:team-name}\nspec:\n" +
		"  image: ${3:registry.example.com/team/" + app + ":1.0.0}\n  port: ${4:8080}\n  resources:\n    cpu: ${5:100m}\n    memory: ${6:128Mi}\n" +
		"  sla:\n    availability: ${7:99.9}\n$0"
	return protocol.CompletionItem{Label: "kiln app", Kind: protocol.CompletionItemKindSnippet, Detail: "a new kiln.yaml",
		InsertTextFormat: protocol.InsertTextFormatSnippet, InsertText: text}
}

func baseDir(name string) string {
	dir := name[:max(strings.LastIndexByte(name, '/'), 0)]
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		dir = dir[i+1:]
	}
	if dir == "" {
		return "app"
	}
	return dir
}
