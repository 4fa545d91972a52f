package lsp_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/lsp"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

// client is the editor's side of a session: a jsonrpc2 connection over a
// pipe to a real server, recording what the server publishes.
type client struct {
	t     *testing.T
	conn  jsonrpc2.Conn
	raw   net.Conn
	done  chan error
	mu    sync.Mutex
	diags map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams
	note  chan struct{}
}

func start(t *testing.T, checker lsp.Checker) *client {
	t.Helper()
	return startDebounced(t, checker, 20*time.Millisecond)
}

func startDebounced(t *testing.T, checker lsp.Checker, debounce time.Duration) *client {
	t.Helper()
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	server, editor := net.Pipe()
	srv := lsp.New(lsp.Options{Checker: checker, Schema: s, Debounce: debounce, Views: t.TempDir(),
		Today: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }})
	c := &client{t: t, raw: editor, done: make(chan error, 1), diags: map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams{}, note: make(chan struct{}, 100)}
	go func() { c.done <- srv.Serve(context.Background(), server) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(editor))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		switch req.Method() {
		case "textDocument/publishDiagnostics":
			var p protocol.PublishDiagnosticsParams
			json.Unmarshal(req.Params(), &p)
			c.mu.Lock()
			c.diags[p.URI] = append(c.diags[p.URI], p)
			c.mu.Unlock()
			c.note <- struct{}{}
		}
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() { c.conn.Close(); editor.Close() })
	var res map[string]any
	c.call("initialize", &protocol.InitializeParams{}, &res)
	c.notify("initialized", &protocol.InitializedParams{})
	return c
}

func realChecker(t *testing.T) lsp.Checker {
	c, err := workspace.NewEditor(workspace.EditorOptions{KubeVersion: kube.Default(), Views: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *client) call(method string, params, result any) error {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) open(path, text string) protocol.DocumentURI {
	u := uri.File(path)
	c.notify("textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "yaml", Version: 1, Text: text}})
	return u
}

func (c *client) change(u protocol.DocumentURI, version int32, text string) {
	c.notify("textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}}})
}

// waitFor waits until the server publishes diagnostics for u at version.
func (c *client) waitFor(u protocol.DocumentURI, version uint32) []protocol.Diagnostic {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		c.mu.Lock()
		ps := c.diags[u]
		c.mu.Unlock()
		if n := len(ps); n > 0 && ps[n-1].Version == version {
			return ps[n-1].Diagnostics
		}
		select {
		case <-c.note:
		case <-deadline:
			c.t.Fatalf("no diagnostics for %s version %d; got %+v", u, version, ps)
		}
	}
}

// repo writes files into a new repository and returns its root.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	for name, content := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const app = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: shop
  owner: team-shop
spec:
  image: registry.example.com/shop:1.0.0
  port: 8080
  health: {liveness: /healthz, readiness: /readyz}
  sla:
    availability: 99.9
  scaling:
    min: 3
    max: 5
`

func codes(ds []protocol.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code.(string))
	}
	return out
}

// utf16Col is the UTF-16 length of a line's first n bytes.
func utf16Col(line string, n int) uint32 {
	return uint32(len(utf16.Encode([]rune(line[:n]))))
}

func TestDiagnosticsAtTheCLIsPositions(t *testing.T) {
	// Non-ASCII text before the error on its line: bytes, runes and
	// UTF-16 units all differ there.
	bad := strings.Replace(app, "  health: {liveness: /healthz, readiness: /readyz}", `  health: {liveness: "/grüße/🚀", readyness: /readyz}`, 1)
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	def := filepath.Join(root, "shop", "kiln.yaml")
	c := start(t, realChecker(t))
	u := c.open(def, app)
	if ds := c.waitFor(u, 1); hasError(ds) {
		t.Fatalf("a clean app has errors: %+v", ds)
	}
	c.change(u, 2, bad)
	ds := c.waitFor(u, 2)
	var got *protocol.Diagnostic
	for i := range ds {
		if ds[i].Code == "schema/unknown-field" {
			got = &ds[i]
		}
	}
	if got == nil {
		t.Fatalf("no unknown-field diagnostic: %+v", ds)
	}
	// kiln check, on the same text, reports line and byte column.
	os.WriteFile(def, []byte(bad), 0o644)
	w, err := workspace.Open(context.Background(), workspace.Options{Dir: def})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Check(context.Background(), []string{def}, workspace.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Diagnostics {
		if d.Code != "schema/unknown-field" {
			continue
		}
		lineNo, col := d.Pos.LineCol()
		_, endCol := d.End.LineCol()
		line := strings.Split(bad, "\n")[lineNo-1]
		want := protocol.Range{
			Start: protocol.Position{Line: uint32(lineNo - 1), Character: utf16Col(line, col-1)},
			End:   protocol.Position{Line: uint32(lineNo - 1), Character: utf16Col(line, endCol-1)},
		}
		if got.Range != want {
			t.Errorf("editor range %+v, kiln check says %d:%d (UTF-16 %+v)", got.Range, lineNo, col, want)
		}
		if got.Range.Start.Character == uint32(col-1) {
			t.Errorf("the column is in bytes, not UTF-16 units: %d", got.Range.Start.Character)
		}
		return
	}
	t.Fatalf("kiln check reports no unknown field: %v", r.Diagnostics)
}

func hasError(ds []protocol.Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == protocol.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// Edits in quick succession: the server publishes the newest version, and
// never a version after a newer one.
func TestStaleVersionsAreNeverPublished(t *testing.T) {
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	c := start(t, realChecker(t))
	u := c.open(filepath.Join(root, "shop", "kiln.yaml"), app)
	c.waitFor(u, 1)
	for v := int32(2); v <= 10; v++ {
		text := strings.Replace(app, "min: 3", "min: "+string(rune('0'+v%4+1)), 1)
		if v == 10 {
			text = strings.Replace(app, "image: registry.example.com/shop:1.0.0", "image: registry.example.com/shop:latest", 1)
		}
		c.change(u, v, text)
	}
	ds := c.waitFor(u, 10)
	if !contains(codes(ds), "image-pinned") {
		t.Errorf("the last version's finding is missing: %v", codes(ds))
	}
	time.Sleep(200 * time.Millisecond) // let a stale evaluation finish, if one was wrongly kept
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.diags[u]
	for i := 1; i < len(ps); i++ {
		if ps[i].Version < ps[i-1].Version {
			t.Errorf("version %d published after version %d", ps[i].Version, ps[i-1].Version)
		}
	}
	if last := ps[len(ps)-1].Version; last != 10 {
		t.Errorf("last published version %d, want 10", last)
	}
	if len(ps) > 6 {
		t.Errorf("%d publications for 10 versions: the edits were not debounced", len(ps))
	}
}

// An edit to an app that is not being checked is checked at once: the
// debounce (an hour here) holds back only the edits of a burst.
func TestAnEditToAnIdleAppIsCheckedAtOnce(t *testing.T) {
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	c := startDebounced(t, realChecker(t), time.Hour)
	u := c.open(filepath.Join(root, "shop", "kiln.yaml"), app)
	c.waitFor(u, 1)
	for v := int32(2); v <= 3; v++ {
		c.change(u, v, strings.Replace(app, "min: 3", "min: "+string(rune('0'+v)), 1))
		c.waitFor(u, uint32(v))
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
