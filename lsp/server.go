package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime/debug"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/internal/sandbox"
)

// A Checker is kiln's engine as the server uses it: the same stages, the
// same cache and the same diagnostics as `kiln check`. Every file it
// reads, it reads through src, the open buffers over the disk.
// Implementations are safe for concurrent use.
type Checker interface {
	// Check runs every stage on the app whose definition is def: schema,
	// build, strict validation, guardrails, the config tests beside it.
	// Its diagnostics may be in the definition, its tests or its
	// Dockerfile. Waived findings carry their waiver's reason.
	Check(ctx context.Context, def string, src repofile.Source) (diag.List, error)
	// Build builds every artifact of the app, for hovers on the values
	// that decide derived output and for the rendered documents. files
	// are the artifacts as `kiln build` writes them, by relative path.
	Build(ctx context.Context, def string, src repofile.Source) (res *build.Result, files map[string][]byte, err error)
	// Rules lists the guardrails in force for the app def.
	Rules(def string) []guard.Rule
	// RuleSource returns where a rule's Rego source is on disk.
	RuleSource(def, id string) (file string, line int, ok bool)
	// RunTests runs the app's config tests and says how they went, in
	// one line; their failures come with Check's diagnostics.
	RunTests(ctx context.Context, def string, src repofile.Source) (string, error)
	// CheckConfig checks a repository configuration file (.kiln/config.yaml)
	// as read through src: its settings, and the policies and data it names.
	CheckConfig(ctx context.Context, path string, src repofile.Source) diag.List
	// Reload forgets what was loaded of the repositories' policies, data
	// and configuration, after one of them was saved.
	Reload()
	// Apps lists the names of the other apps of def's repository, which
	// its spec.dependsOn may name.
	Apps(def string, src repofile.Source) []string
}

// Options configure a Server.
type Options struct {
	Checker Checker
	Schema  *schema.Schema
	// Debounce is how long after a change the server waits for the next
	// one before evaluating, in a burst: when the change found an
	// evaluation of its app pending or running. A change to an idle app
	// is evaluated at once. 0 means DefaultDebounce.
	Debounce time.Duration
	// Views is the directory where rendered outputs are written as
	// read-only files for the editor to show.
	Views   string
	Version string
	Log     *log.Logger // nil: discard
	// Today is the day waiver skeletons count from; nil: time.Now.
	Today func() time.Time
	// Sandbox evaluates the Jsonnet and CUE the server loads itself
	// (hover), under load's bounds, as the Checker does; nil evaluates in
	// this process.
	Sandbox *sandbox.Pool
}

// DefaultDebounce is short: an evaluation of a 100-line app takes a few
// tens of milliseconds warm, and a stale one is cancelled anyway, so a
// long wait (yaml-language-server waits 200 ms) would only add latency.
const DefaultDebounce = 30 * time.Millisecond

// Server is one language server session.
type Server struct {
	opts Options
	conn jsonrpc2.Conn
	docs *documents
	log  *log.Logger

	mu       sync.Mutex
	runs     map[string]*run       // by definition: the pending or running evaluation
	results  map[string]*published // by file: the diagnostics last published
	appFiles map[string][]string   // by definition: the files it last published for
	state    int                   // initialized, shutdown
	// initialized says initialize was answered; a second is refused.
	initialized bool
	exit        chan struct{}
	exitOnce    sync.Once

	outMu   sync.Mutex // the notifications not yet written
	outCond *sync.Cond
	out     []outbound
	outDone bool
}

const (
	starting = iota
	running
	shutDown
)

// New returns a server; Serve runs it on a connection.
func New(o Options) *Server {
	if o.Debounce == 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Today == nil {
		o.Today = time.Now
	}
	l := o.Log
	if l == nil {
		l = log.New(io.Discard, "", 0)
	}
	s := &Server{opts: o, docs: newDocuments(), log: l, runs: map[string]*run{}, results: map[string]*published{},
		appFiles: map[string][]string{}, exit: make(chan struct{})}
	s.outCond = sync.NewCond(&s.outMu)
	return s
}

// Serve speaks the protocol over rwc until the client sends exit or the
// connection ends. It returns nil after shutdown and exit, and an error
// when the client exited without shutting down or the connection failed.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.conn = jsonrpc2.NewConn(newStream(rwc))
	s.conn.Go(ctx, s.handle)
	sent := make(chan struct{})
	go func() { s.send(ctx); close(sent) }()
	select {
	case <-s.exit:
	case <-s.conn.Done():
	case <-ctx.Done():
	}
	s.cancelAll()
	s.stopSending()
	select { // what was said before exit is still sent, if the client reads
	case <-sent:
	case <-s.conn.Done():
	case <-time.After(time.Second):
	}
	s.conn.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != shutDown {
		return errors.New("the client exited without a shutdown request")
	}
	return nil
}

// handle is every message's entry point. Notifications are handled in
// order, in the reading goroutine, as the protocol needs for document
// changes; requests run concurrently, but for initialize and shutdown. A panic in a handler is recovered,
// logged with its stack, and answered with an error: the server lives on.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if _, isCall := req.(*jsonrpc2.Call); !isCall {
		s.safely(req.Method(), func() { s.notification(ctx, req) })
		return nil
	}
	answer := func() {
		var result any
		var err error
		if perr := s.safely(req.Method(), func() { result, err = s.request(ctx, req) }); perr != nil {
			result, err = nil, perr
		}
		if err := reply(ctx, result, err); err != nil {
			s.log.Printf("reply to %s: %v", req.Method(), err)
		}
	}
	// initialize and shutdown change the session's state: they are
	// answered in order, before the next message is read (an exit right
	// after a shutdown must find it done).
	if m := req.Method(); m == "initialize" || m == "shutdown" {
		answer()
		return nil
	}
	go answer()
	return nil
}

func (s *Server) safely(method string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("panic in %s: %v\n%s", method, r, debug.Stack())
			err = jsonrpc2.Errorf(jsonrpc2.InternalError, "kiln: internal error in %s: %v", method, r)
		}
	}()
	f()
	return nil
}

func (s *Server) request(ctx context.Context, req jsonrpc2.Request) (any, error) {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case req.Method() == "initialize":
		return s.initialize(req)
	case state == starting:
		return nil, jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, "the server is not initialized")
	case state == shutDown:
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is shut down")
	}
	switch req.Method() {
	case "shutdown":
		s.mu.Lock()
		s.state = shutDown
		s.mu.Unlock()
		s.cancelAll()
		return nil, nil
	case "textDocument/hover":
		var p protocol.HoverParams
		return withParams(req, &p, func() (any, error) { return s.hover(ctx, &p) })
	case "textDocument/completion":
		var p protocol.CompletionParams
		return withParams(req, &p, func() (any, error) { return s.completion(ctx, &p) })
	case "textDocument/codeAction":
		var p protocol.CodeActionParams
		return withParams(req, &p, func() (any, error) { return s.codeAction(ctx, &p) })
	case "textDocument/codeLens":
		var p protocol.CodeLensParams
		return withParams(req, &p, func() (any, error) { return s.codeLens(ctx, &p) })
	case "textDocument/documentSymbol":
		var p protocol.DocumentSymbolParams
		return withParams(req, &p, func() (any, error) { return s.documentSymbol(ctx, &p) })
	case "textDocument/definition":
		var p protocol.DefinitionParams
		return withParams(req, &p, func() (any, error) { return s.definition(ctx, &p) })
	case "workspace/executeCommand":
		var p protocol.ExecuteCommandParams
		return withParams(req, &p, func() (any, error) { return s.executeCommand(ctx, &p) })
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "kiln does not implement %s", req.Method())
}

// withParams decodes a request's parameters, answering InvalidParams when
// they do not fit the method.
func withParams[P any](req jsonrpc2.Request, p *P, f func() (any, error)) (any, error) {
	if err := json.Unmarshal(req.Params(), p); err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: %v", req.Method(), err)
	}
	return f()
}

func (s *Server) notification(ctx context.Context, req jsonrpc2.Request) {
	decode := func(p any) bool {
		if err := json.Unmarshal(req.Params(), p); err != nil {
			s.log.Printf("%s: bad parameters: %v", req.Method(), err)
			return false
		}
		return true
	}
	switch req.Method() {
	case "initialized":
		s.mu.Lock()
		if s.state == starting {
			s.state = running
		}
		s.mu.Unlock()
	case "exit":
		s.exitOnce.Do(func() { close(s.exit) })
	case "textDocument/didOpen":
		var p protocol.DidOpenTextDocumentParams
		if decode(&p) {
			s.didOpen(ctx, &p)
		}
	case "textDocument/didChange":
		var p protocol.DidChangeTextDocumentParams
		if decode(&p) {
			s.didChange(ctx, &p)
		}
	case "textDocument/didSave":
		var p protocol.DidSaveTextDocumentParams
		if decode(&p) {
			s.didSave(ctx, &p)
		}
	case "textDocument/didClose":
		var p protocol.DidCloseTextDocumentParams
		if decode(&p) {
			s.didClose(ctx, &p)
		}
	}
	// Other notifications ($/cancelRequest, $/setTrace, workspace
	// changes) need nothing from kiln.
}

func (s *Server) initialize(req jsonrpc2.Request) (any, error) {
	var p protocol.InitializeParams
	if err := json.Unmarshal(req.Params(), &p); err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "initialize: %v", err)
	}
	s.mu.Lock()
	if s.initialized {
		s.mu.Unlock()
		// The protocol allows one initialize a session: a second would
		// reset what the client and the server agreed.
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is already initialized")
	}
	s.initialized = true
	if s.state == starting {
		s.state = running // some clients never send initialized
	}
	s.mu.Unlock()
	return initializeResult{
		Capabilities: capabilities{
			ServerCapabilities: protocol.ServerCapabilities{
				TextDocumentSync: protocol.TextDocumentSyncOptions{
					OpenClose: true,
					Change:    protocol.TextDocumentSyncKindFull,
					Save:      &protocol.SaveOptions{},
				},
				HoverProvider:          true,
				CompletionProvider:     &protocol.CompletionOptions{TriggerCharacters: []string{":", " ", "-"}},
				CodeActionProvider:     protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}},
				CodeLensProvider:       &protocol.CodeLensOptions{},
				DocumentSymbolProvider: true,
				DefinitionProvider:     true,
				ExecuteCommandProvider: &protocol.ExecuteCommandOptions{Commands: commandNames()},
			},
			PositionEncoding: "utf-16",
		},
		ServerInfo: &protocol.ServerInfo{Name: "kiln", Version: s.opts.Version},
	}, nil
}

// initializeResult is protocol.InitializeResult with LSP 3.17's
// positionEncoding, which go.lsp.dev/protocol predates. kiln speaks UTF-16,
// the encoding every client supports.
type initializeResult struct {
	Capabilities capabilities         `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}

type capabilities struct {
	protocol.ServerCapabilities
	PositionEncoding string `json:"positionEncoding"`
}

// notify queues a notification for the client. It never blocks: the
// sender goroutine writes the queue out in order, so that a client slow
// to read cannot stall the server's reading, or a caller holding s.mu.
func (s *Server) notify(_ context.Context, method string, params any) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	s.out = append(s.out, outbound{method, params})
	s.outCond.Signal()
}

type outbound struct {
	method string
	params any
}

// send writes the queued notifications until the session ends.
func (s *Server) send(ctx context.Context) {
	for {
		s.outMu.Lock()
		for len(s.out) == 0 && !s.outDone {
			s.outCond.Wait()
		}
		if len(s.out) == 0 { // done, and nothing left to say
			s.outMu.Unlock()
			return
		}
		next := s.out[0]
		s.out = s.out[1:]
		s.outMu.Unlock()
		if err := s.conn.Notify(ctx, next.method, next.params); err != nil {
			s.log.Printf("notify %s: %v", next.method, err)
		}
	}
}

// stopSending lets the sender write what is queued, then end.
func (s *Server) stopSending() {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	s.outDone = true
	s.outCond.Signal()
}

func (s *Server) showMessage(ctx context.Context, typ protocol.MessageType, format string, args ...any) {
	s.notify(ctx, "window/showMessage", &protocol.ShowMessageParams{Type: typ, Message: fmt.Sprintf(format, args...)})
}
