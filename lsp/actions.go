package lsp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fix"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/source"
)

func (s *Server) fixOptions(def string) fix.Options {
	known := map[string]bool{}
	for _, r := range s.opts.Checker.Rules(def) {
		known[r.ID] = true
	}
	return fix.NewOptions(s.opts.Schema, func(id string) bool { return known[id] }, s.opts.Today())
}

// codeAction offers the fixes of the diagnostics in the range, computed on
// the text they were published for: after an edit, the fixes wait for the
// new diagnostics.
func (s *Server) codeAction(ctx context.Context, p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	path := pathOf(p.TextDocument.URI)
	if kindOf(path) != definitionFile {
		return nil, nil
	}
	s.mu.Lock()
	pub := s.results[path]
	s.mu.Unlock()
	cur, err := s.fileOf(p.TextDocument.URI)
	if pub == nil || pub.file == nil || err != nil || string(cur.Content) != string(pub.file.Content) {
		return nil, nil
	}
	doc := s.loadDoc(ctx, pub.file)
	if doc == nil {
		return nil, nil
	}
	start, end := offsetOf(pub.file, p.Range.Start), offsetOf(pub.file, p.Range.End)
	opts := s.fixOptions(path)
	links := s.ruleLinks(path)
	actions := []protocol.CodeAction{}
	for _, d := range pub.diags {
		if d.Pos.File == nil || d.Waived != "" || d.End.Offset < start || d.Pos.Offset > end {
			continue
		}
		// The diagnostic as published is on this file's loaded content.
		d.Pos, d.End = doc.File.Pos(d.Pos.Offset), doc.File.Pos(d.End.Offset)
		for i, f := range fix.For(doc, d, opts) {
			actions = append(actions, protocol.CodeAction{
				Title:       f.Title,
				Kind:        protocol.QuickFix,
				Diagnostics: toProtocol(links, diag.List{d}),
				IsPreferred: i == 0 && f.Complete,
				Edit:        s.workspaceEdit(p.TextDocument.URI, path, pub, textEdits(pub.file, f.Edits)),
			})
		}
	}
	return actions, nil
}

// workspaceEdit carries the edits with the version of the buffer they
// were computed on, when it is open, so that the editor refuses them once
// the text has changed instead of applying them at the wrong places.
func (s *Server) workspaceEdit(u protocol.DocumentURI, path string, pub *published, edits []protocol.TextEdit) *protocol.WorkspaceEdit {
	if doc := s.docs.get(path); doc != nil && doc.version == pub.version {
		v := pub.version
		return &protocol.WorkspaceEdit{DocumentChanges: []protocol.TextDocumentEdit{{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: &v},
			Edits:        edits,
		}}}
	}
	return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{u: edits}}
}

func textEdits(f *source.File, edits []fix.Edit) []protocol.TextEdit {
	var out []protocol.TextEdit
	for _, e := range edits {
		out = append(out, protocol.TextEdit{Range: rangeOf(f.Pos(e.Start), f.Pos(e.End)), NewText: e.New})
	}
	return out
}

// Commands the server executes; code lenses offer them.
const (
	cmdShow     = "kiln.show"     // arguments: {uri, artifact}: open a rendered output read-only
	cmdRunTests = "kiln.runTests" // arguments: {uri}: run the app's config tests
)

func commandNames() []string { return []string{cmdShow, cmdRunTests} }

type commandArgs struct {
	URI      protocol.DocumentURI `json:"uri"`
	Artifact string               `json:"artifact,omitempty"` // a path kiln build writes: rendered/prod.yaml, Dockerfile, helm/values.yaml
}

// codeLens puts the app's outputs and tests one click away, above the
// first line of the definition.
func (s *Server) codeLens(ctx context.Context, p *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	path := pathOf(p.TextDocument.URI)
	if kindOf(path) != definitionFile {
		return nil, nil
	}
	_, files, err := s.opts.Checker.Build(ctx, path, buffered(s.docs.snapshot()))
	if err != nil || files == nil {
		return nil, nil
	}
	var lenses []protocol.CodeLens
	lens := func(title, command string, args commandArgs) {
		lenses = append(lenses, protocol.CodeLens{Command: &protocol.Command{Title: title, Command: command, Arguments: []any{args}}})
	}
	for _, v := range views(files) {
		lens(v.title, cmdShow, commandArgs{URI: p.TextDocument.URI, Artifact: v.path})
	}
	lens("run tests", cmdRunTests, commandArgs{URI: p.TextDocument.URI})
	return lenses, nil
}

// A view is a built file the code lenses offer to show, and its title.
type view struct{ path, title string }

// views are the files of an app's build that the outputs of kiln's
// registry (emit.Registry) offer to show, in path order.
func views(files map[string][]byte) []view {
	var out []view
	for _, name := range slices.Sorted(maps.Keys(files)) {
		for _, a := range emit.Registry() {
			if title, ok := a.Lens(name); ok {
				out = append(out, view{path: name, title: title})
				break
			}
		}
	}
	return out
}

// shown is executeCommand's answer to kiln.show.
type shown struct {
	URI     protocol.DocumentURI `json:"uri"`
	Content string               `json:"content"`
}

func (s *Server) executeCommand(ctx context.Context, p *protocol.ExecuteCommandParams) (any, error) {
	var args commandArgs
	if len(p.Arguments) > 0 {
		b, _ := json.Marshal(p.Arguments[0])
		if err := json.Unmarshal(b, &args); err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: %v", p.Command, err)
		}
	}
	def := s.docs.definitionFor(pathOf(args.URI))
	if def == "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: %s is no kiln app, its test or its Dockerfile", p.Command, args.URI)
	}
	switch p.Command {
	case cmdShow:
		return s.show(ctx, def, args.Artifact)
	case cmdRunTests:
		summary, err := s.opts.Checker.RunTests(ctx, def, buffered(s.docs.snapshot()))
		if err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "kiln test: %v", err)
		}
		s.showMessage(ctx, protocol.MessageTypeInfo, "kiln test %s: %s", filepath.Base(filepath.Dir(def)), summary)
		s.schedule(ctx, def, 0) // failures are diagnostics of the test files
		return summary, nil
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "unknown command %q", p.Command)
}

// show writes one rendered output as a read-only file under Views and asks
// the editor to open it: a document to read, never to edit, since the
// definition is the source.
func (s *Server) show(ctx context.Context, def, artifact string) (*shown, error) {
	_, files, err := s.opts.Checker.Build(ctx, def, buffered(s.docs.snapshot()))
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "kiln build: %v", err)
	}
	content, ok := files[artifact]
	if !ok {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "the app has no output %q", artifact)
	}
	res := &shown{Content: string(content)}
	if s.opts.Views != "" {
		name := filepath.Join(s.opts.Views, viewDir(def), filepath.FromSlash(artifact))
		if err := WriteView(name, content); err == nil {
			res.URI = uriOf(name)
			// Best effort, and not waited for: an editor without
			// showDocument still has the content in the answer.
			go func() {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				var result any
				s.conn.Call(ctx, "window/showDocument", map[string]any{"uri": res.URI, "takeFocus": true}, &result)
			}()
		}
	}
	return res, nil
}

// viewDir names an app's views: its directory's name, and a hash of its
// path, since two apps may live in directories of the same name.
func viewDir(def string) string {
	sum := sha256.Sum256([]byte(filepath.Dir(def)))
	return fmt.Sprintf("%s-%x", filepath.Base(filepath.Dir(def)), sum[:4])
}

// WriteView writes a document for the editor to show, never to edit: read
// only, replaced whole (a reader sees the old one or the new one), and
// left as it is when it already holds content.
func WriteView(name string, content []byte) error {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, content) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".view-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o444); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// documentSymbol outlines the app: its sections, each environment, patch
// and waiver.
func (s *Server) documentSymbol(ctx context.Context, p *protocol.DocumentSymbolParams) ([]protocol.DocumentSymbol, error) {
	f, err := s.fileOf(p.TextDocument.URI)
	if err != nil || kindOf(f.Name) != definitionFile {
		return nil, nil
	}
	doc := s.loadDoc(ctx, f)
	if doc == nil || doc.Root.Kind != load.Map {
		return nil, nil
	}
	return symbols(doc.Root, 0), nil
}

func symbols(n *load.Node, depth int) []protocol.DocumentSymbol {
	out := []protocol.DocumentSymbol{}
	for _, fl := range n.Fields {
		sym := protocol.DocumentSymbol{Name: fl.Name, Kind: protocol.SymbolKindField,
			Range: rangeOf(fl.KeyPos, fl.Value.End), SelectionRange: rangeOf(fl.KeyPos, fl.KeyEnd)}
		switch fl.Value.Kind {
		case load.Map:
			sym.Kind = protocol.SymbolKindObject
			if depth < 2 {
				sym.Children = symbols(fl.Value, depth+1)
			}
		case load.List:
			sym.Kind = protocol.SymbolKindArray
			for i, it := range fl.Value.Items {
				sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: itemName(it, i), Kind: protocol.SymbolKindObject,
					Range: rangeOf(it.Pos, it.End), SelectionRange: rangeOf(it.Pos, it.Pos)})
			}
		default:
			sym.Detail = strings.Trim(fl.Value.String(), `"`)
		}
		out = append(out, sym)
	}
	return out
}

// itemName names a list item by its most telling field.
func itemName(n *load.Node, i int) string {
	for _, k := range []string{"rule", "name", "target"} {
		if f := n.Field(k); f != nil {
			if f.Value.Kind == load.Map {
				if kind := f.Value.Field("kind"); kind != nil {
					return fmt.Sprintf("%d: %s", i, strings.Trim(kind.Value.String(), `"`))
				}
			}
			return fmt.Sprintf("%d: %s", i, strings.Trim(f.Value.String(), `"`))
		}
	}
	return fmt.Sprint(i)
}
