package lsp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/lsp"
)

// raw is a client that writes whatever bytes a test wants, to see the
// server survive what a faulty editor sends.
type raw struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
	done chan error
}

func startRaw(t *testing.T, checker lsp.Checker) *raw {
	s, _ := schema.Load()
	server, editor := net.Pipe()
	r := &raw{t: t, conn: editor, in: bufio.NewReader(editor), done: make(chan error, 1)}
	go func() {
		r.done <- lsp.New(lsp.Options{Checker: checker, Schema: s}).Serve(context.Background(), server)
	}()
	t.Cleanup(func() { editor.Close() })
	return r
}

func (r *raw) frame(body string) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(r.conn, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) send(id int, method string, params any) {
	r.t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	r.frame(string(b))
}

// next reads messages until one that is not a notification.
func (r *raw) next() map[string]any {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		length := -1
		for {
			line, err := r.in.ReadString('\n')
			if err != nil {
				r.t.Fatalf("reading: %v", err)
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r.in, body); err != nil {
			r.t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		if _, isNote := m["method"]; !isNote {
			return m
		}
	}
}

func errCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(float64)
	return code
}

func TestFaultyClients(t *testing.T) {
	r := startRaw(t, realChecker(t))
	// Before initialize, requests are refused, not crashed on.
	r.send(1, "textDocument/hover", map[string]any{})
	if m := r.next(); errCode(m) != -32002 {
		t.Errorf("hover before initialize: %v", m)
	}
	r.send(2, "initialize", map[string]any{"capabilities": map[string]any{}})
	if m := r.next(); m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	// One initialize a session.
	r.send(2, "initialize", map[string]any{"capabilities": map[string]any{}})
	if m := r.next(); errCode(m) != -32600 {
		t.Errorf("a second initialize: %v", m)
	}
	// Not JSON: a parse error with a null id, and the session goes on.
	r.frame("{this is not json")
	if m := r.next(); errCode(m) != -32700 || m["id"] != nil {
		t.Errorf("malformed message: %v", m)
	}
	// Far too large: skipped whole, answered, and the session goes on.
	r.frame(`{"jsonrpc":"2.0","id":3,"method":"x","params":"` + strings.Repeat("a", 17<<20) + `"}`)
	if m := r.next(); errCode(m) != -32700 {
		t.Errorf("oversized message: %v", m)
	}
	r.send(4, "kiln/noSuchMethod", nil)
	if m := r.next(); errCode(m) != -32601 {
		t.Errorf("unknown method: %v", m)
	}
	r.send(5, "textDocument/hover", "not an object")
	if m := r.next(); errCode(m) != -32602 {
		t.Errorf("bad params: %v", m)
	}
	// A document never opened, and not on disk.
	r.send(6, "textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": "file:///no/such/kiln.yaml"}, "position": map[string]any{"line": 3, "character": 4}})
	if m := r.next(); m["error"] != nil || m["result"] != nil {
		t.Errorf("hover on a missing file: %v", m)
	}
	r.send(7, "textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": "untitled:Untitled-1"}, "position": map[string]any{"line": 0, "character": 0}})
	if m := r.next(); m["error"] != nil {
		t.Errorf("completion in an untitled buffer: %v", m)
	}
	// Shutdown, then exit: Serve returns cleanly.
	r.send(8, "shutdown", nil)
	if m := r.next(); m["error"] != nil {
		t.Errorf("shutdown: %v", m)
	}
	r.send(9, "textDocument/hover", map[string]any{})
	if m := r.next(); errCode(m) != -32600 {
		t.Errorf("a request after shutdown: %v", m)
	}
	r.frame(`{"jsonrpc":"2.0","method":"exit"}`)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Serve after shutdown and exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit")
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	r := startRaw(t, realChecker(t))
	r.send(1, "initialize", map[string]any{})
	r.next()
	r.frame(`{"jsonrpc":"2.0","method":"exit"}`)
	select {
	case err := <-r.done:
		if err == nil {
			t.Error("an exit without shutdown is not an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit")
	}
}

func TestBadDocuments(t *testing.T) {
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	c := start(t, realChecker(t))
	def := filepath.Join(root, "shop", "kiln.yaml")
	for name, text := range map[string]string{
		"enormous": app + "# " + strings.Repeat("x", 2<<20) + "\n",
		"binary":   "\x00\x01\xff\xfe" + app,
		"broken":   "apiVersion: [",
		// apimachinery would scale this by 10^999999999: minutes of a core.
		"quantity": app + "  resources: {cpu: \"1e-999999999\"}\n",
	} {
		u := c.open(def, text)
		ds := c.waitFor(u, 1)
		if !hasError(ds) {
			t.Errorf("%s: no error: %+v", name, ds)
		}
		c.notify("textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: td(u)})
	}
	// Deleted while open: the buffer is what is checked.
	u := c.open(def, app)
	c.waitFor(u, 1)
	os.RemoveAll(filepath.Join(root, "shop"))
	c.change(u, 2, strings.Replace(app, "port: 8080", "prot: 8080", 1))
	if ds := c.waitFor(u, 2); !contains(codes(ds), "schema/unknown-field") {
		t.Errorf("deleted file: %v", codes(ds))
	}
}

// panicky is the real checker with a Build that panics.
type panicky struct{ lsp.Checker }

func (panicky) Build(context.Context, string, repofile.Source) (*build.Result, map[string][]byte, error) {
	panic("a bug in a stage")
}

func TestPanicInAHandler(t *testing.T) {
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	c := start(t, panicky{realChecker(t)})
	u := c.open(filepath.Join(root, "shop", "kiln.yaml"), app)
	c.waitFor(u, 1)
	var lenses []protocol.CodeLens
	err := c.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: td(u)}, &lenses)
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Errorf("a panicking handler answered %v, %v", lenses, err)
	}
	// The server lives on.
	var syms []protocol.DocumentSymbol
	if err := c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: td(u)}, &syms); err != nil || len(syms) == 0 {
		t.Errorf("after the panic: %v, %v", syms, err)
	}
	c.change(u, 2, strings.Replace(app, "port: 8080", "prot: 8080", 1))
	if ds := c.waitFor(u, 2); !bytes.Contains([]byte(strings.Join(codes(ds), " ")), []byte("unknown-field")) {
		t.Errorf("diagnostics after the panic: %v", codes(ds))
	}
}

// Framing mistakes cost the message they spoil, never the session: a body
// sent without its header, a header without Content-Length, a length that
// is not a number.
func TestFramingMistakes(t *testing.T) {
	r := startRaw(t, realChecker(t))
	// A header block without Content-Length, its body running into the
	// next message's header. (The pipe has no buffer: the server's answer
	// to the first is read while the second is written.)
	go func() {
		fmt.Fprintf(r.conn, "Content-Type: x\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}")
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": map[string]any{}})
		fmt.Fprintf(r.conn, "Content-Length: %d\r\n\r\n%s", len(b), b)
	}()
	if m := r.next(); errCode(m) != -32700 {
		t.Errorf("a header without a length: %v", m)
	}
	if m := r.next(); m["id"] != float64(2) || m["result"] == nil {
		t.Errorf("the message after it: %v", m)
	}
	go fmt.Fprintf(r.conn, "Content-Length: abc\r\n\r\n")
	if m := r.next(); errCode(m) != -32700 {
		t.Errorf("a length that is not a number: %v", m)
	}
	r.send(3, "shutdown", nil)
	if m := r.next(); m["id"] != float64(3) || m["error"] != nil {
		t.Errorf("after the bad length: %v", m)
	}
}

// A client slow to read what the server says never stops the server from
// reading what the client says (a client that writes and reads on one
// thread would otherwise deadlock).
func TestSlowReaderDoesNotStallTheServer(t *testing.T) {
	root := repo(t, map[string]string{"shop/kiln.yaml": app})
	r := startRaw(t, realChecker(t))
	r.send(1, "initialize", map[string]any{})
	r.next()
	u := "file://" + filepath.Join(root, "shop", "kiln.yaml")
	frame := func(v int, method string) {
		t.Helper()
		params := map[string]any{"textDocument": map[string]any{"uri": u, "version": v, "text": app, "languageId": "yaml"},
			"contentChanges": []any{map[string]any{"text": strings.Replace(app, "min: 3", fmt.Sprintf("min: %d", v), 1)}}}
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
		r.frame(string(b))
	}
	// Nothing is read from here on: the server's diagnostics wait.
	frame(1, "textDocument/didOpen")
	time.Sleep(300 * time.Millisecond) // the first evaluation publishes, or tries to
	for v := 2; v <= 6; v++ {
		frame(v, "textDocument/didChange") // r.frame fails the test after 10 s
		time.Sleep(100 * time.Millisecond)
	}
}
