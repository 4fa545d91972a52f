package lsp

import (
	"context"
	"path/filepath"
	"slices"
	"time"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
)

// A run is the pending or running evaluation of one app.
type run struct {
	timer  *time.Timer
	cancel context.CancelFunc
}

// published is what the server last said about one file: the diagnostics
// and the content they were computed on, which code actions edit.
type published struct {
	version int32 // of the buffer; 0 for a file that is not open
	file    *source.File
	diags   diag.List
}

func (s *Server) didOpen(ctx context.Context, p *protocol.DidOpenTextDocumentParams) {
	s.update(ctx, p.TextDocument.URI, p.TextDocument.Version, p.TextDocument.Text, 0)
}

func (s *Server) didChange(ctx context.Context, p *protocol.DidChangeTextDocumentParams) {
	if len(p.ContentChanges) == 0 {
		return
	}
	// Full synchronisation: the last change holds the whole text.
	text := p.ContentChanges[len(p.ContentChanges)-1].Text
	s.update(ctx, p.TextDocument.URI, p.TextDocument.Version, text, s.opts.Debounce)
}

func (s *Server) didSave(ctx context.Context, p *protocol.DidSaveTextDocumentParams) {
	path := pathOf(p.TextDocument.URI)
	if def := s.docs.definitionFor(path); def != "" {
		s.schedule(ctx, def, 0)
		return
	}
	// A policy, a data file or the repository's configuration: every
	// open app may judge differently now.
	s.opts.Checker.Reload()
	if kindOf(path) == configFile {
		s.schedule(ctx, path, 0)
	}
	for _, def := range s.openApps() {
		s.schedule(ctx, def, 0)
	}
}

func (s *Server) didClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) {
	path := pathOf(p.TextDocument.URI)
	s.docs.close(path)
	def := s.docs.definitionFor(path)
	if kindOf(path) == configFile {
		def = path // its own diagnostics, cleared below
	}
	if def == "" {
		return
	}
	if len(s.openFilesOf(def)) > 0 {
		s.schedule(ctx, def, 0) // the file on disk replaces the buffer
		return
	}
	// Nothing of the app is open: forget it, and clear what was said.
	s.mu.Lock()
	if r := s.runs[def]; r != nil {
		r.timer.Stop()
		r.cancel()
		delete(s.runs, def)
	}
	files := s.appFiles[def]
	delete(s.appFiles, def)
	for _, f := range files {
		delete(s.results, f)
	}
	s.mu.Unlock()
	for _, f := range files {
		s.notify(ctx, "textDocument/publishDiagnostics", &protocol.PublishDiagnosticsParams{URI: uriOf(f), Diagnostics: []protocol.Diagnostic{}})
	}
}

// update records a new version of a buffer and schedules its app.
func (s *Server) update(ctx context.Context, u protocol.DocumentURI, version int32, text string, delay time.Duration) {
	path := pathOf(u)
	s.mu.Lock()
	down := s.state == shutDown
	s.mu.Unlock()
	if path == "" || down {
		return
	}
	s.docs.set(&document{uri: u, path: path, version: version, file: source.NewFile(path, []byte(text))})
	if def := s.docs.definitionFor(path); def != "" {
		s.schedule(ctx, def, delay)
	} else if kindOf(path) == configFile {
		s.schedule(ctx, path, delay)
	} else if isLibrary(path) {
		// An imported file: the open apps read it through the buffers,
		// and those that do not import it answer from memory.
		for _, def := range s.openApps() {
			s.schedule(ctx, def, delay)
		}
	}
}

// schedule evaluates the app def after delay, cancelling the evaluation
// that a newer version makes stale.
//
// The delay (the debounce) is only for bursts: it spares evaluations
// that the next keystroke would cancel. A change that finds the app idle,
// its last evaluation published and none pending, starts at once: the
// server has nothing else to do for it, and waiting would only add the
// delay to every answer. A change that arrives while an evaluation is
// pending or running is a burst: that evaluation is cancelled (its
// answer is stale, and publish drops it) and the newest version waits
// out the delay, so that a burst costs at most one evaluation beyond
// its last version's.
func (s *Server) schedule(ctx context.Context, def string, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.runs[def]; old != nil {
		old.timer.Stop()
		old.cancel()
	} else {
		delay = 0
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{cancel: cancel}
	r.timer = time.AfterFunc(delay, func() { s.evaluate(ctx, def, r) })
	s.runs[def] = r
}

func (s *Server) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for def, r := range s.runs {
		r.timer.Stop()
		r.cancel()
		delete(s.runs, def)
	}
}

// evaluate checks one app on a snapshot of the buffers and publishes the
// diagnostics of every file they are about, unless r was superseded.
func (s *Server) evaluate(ctx context.Context, def string, r *run) {
	snap := s.docs.snapshot()
	var ds diag.List
	var err error
	check := s.opts.Checker.Check
	if kindOf(def) == configFile {
		check = func(ctx context.Context, path string, src repofile.Source) (diag.List, error) {
			return s.opts.Checker.CheckConfig(ctx, path, src), nil
		}
	}
	if perr := s.safely("evaluate", func() { ds, err = check(ctx, def, buffered(snap)) }); perr != nil {
		err = perr
	}
	if ctx.Err() != nil {
		return // a newer version is being evaluated
	}
	if err != nil {
		s.log.Printf("checking %s: %v", def, err)
		s.showMessage(ctx, protocol.MessageTypeError, "kiln could not check %s: %v", def, err)
		s.mu.Lock()
		if s.runs[def] == r {
			delete(s.runs, def)
			r.cancel()
		}
		s.mu.Unlock()
		return
	}
	byFile := map[string]diag.List{}
	files := map[string]*source.File{}
	for _, d := range ds {
		if d.Pos.File == nil { // a run-wide finding: at the definition's top
			f := source.NewFile(def, nil)
			if doc := snap[def]; doc != nil {
				f = doc.file
			}
			d.Pos, d.End = f.Pos(0), f.Pos(0)
		}
		name := absName(d.Pos.File.Name)
		byFile[name] = append(byFile[name], d)
		files[name] = d.Pos.File
	}
	if _, ok := byFile[def]; !ok {
		byFile[def] = nil // clears what an earlier version said
	}
	for _, name := range s.openFilesOf(def) {
		if _, ok := byFile[name]; !ok {
			byFile[name] = nil
		}
	}
	s.publish(ctx, def, r, snap, byFile, files, s.ruleLinks(def))
}

// publish sends the diagnostics, unless r is no longer the app's newest
// evaluation; under s.mu, so that a newer change cannot slip between the
// check and the sending.
func (s *Server) publish(ctx context.Context, def string, r *run, snap map[string]*document, byFile map[string]diag.List, files map[string]*source.File, links map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs[def] != r {
		return
	}
	delete(s.runs, def)
	for _, old := range s.appFiles[def] {
		if _, ok := byFile[old]; !ok {
			byFile[old] = nil
		}
	}
	names := make([]string, 0, len(byFile))
	for name := range byFile {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ds := byFile[name]
		p := &published{diags: ds, file: files[name]}
		params := &publishParams{URI: uriOf(name), Diagnostics: toProtocol(links, ds)}
		if doc := snap[name]; doc != nil {
			params.URI = doc.uri // as the client spelled it
			p.version = doc.version
			params.Version = &doc.version
			if p.file == nil {
				p.file = doc.file
			}
		}
		s.results[name] = p
		s.notify(ctx, "textDocument/publishDiagnostics", params)
	}
	s.appFiles[def] = names
}

// publishParams are protocol.PublishDiagnosticsParams with a version that
// can be 0: Neovim numbers a buffer's first version 0, and the library's
// field drops a zero.
type publishParams struct {
	URI         protocol.DocumentURI  `json:"uri"`
	Version     *int32                `json:"version,omitempty"`
	Diagnostics []protocol.Diagnostic `json:"diagnostics"`
}

// openFilesOf lists the open buffers of the app def.
func (s *Server) openFilesOf(def string) []string {
	var out []string
	for path := range s.docs.snapshot() {
		if s.docs.definitionFor(path) == def {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}

// openApps lists the apps of which a file is open.
func (s *Server) openApps() []string {
	seen := map[string]bool{}
	var out []string
	for path := range s.docs.snapshot() {
		if def := s.docs.definitionFor(path); def != "" && !seen[def] {
			seen[def] = true
			out = append(out, def)
		}
	}
	slices.Sort(out)
	return out
}

func absName(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

// ruleLinks maps the app's rule ids to their documentation, for the
// diagnostics' code links: computed once per evaluation, outside s.mu.
func (s *Server) ruleLinks(def string) map[string]string {
	links := map[string]string{}
	for _, r := range s.opts.Checker.Rules(def) {
		links[r.ID] = s.linkOf(def, r)
	}
	return links
}

// toProtocol converts kiln's diagnostics, positioned in bytes, into the
// protocol's, positioned in UTF-16 units, the code linked through rules.
// A waived finding is a hint that says so.
func toProtocol(rules map[string]string, ds diag.List) []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	for _, d := range ds {
		pd := protocol.Diagnostic{Range: rangeOf(d.Pos, d.End), Severity: severityOf(d.Severity), Source: "kiln", Message: d.Message + d.EnvironmentsSuffix()}
		pd.RelatedInformation = related(d)
		if d.Code != "" {
			pd.Code = d.Code
		}
		if href, ok := rules[d.Code]; ok && href != "" {
			pd.CodeDescription = &protocol.CodeDescription{Href: protocol.URI(href)}
		}
		if d.Waived != "" {
			pd.Severity = protocol.DiagnosticSeverityHint
			pd.Message += " (waived: " + d.Waived + ")"
		}
		out = append(out, pd)
	}
	return out
}

// related are the places that explain d (its rule, the configuration
// line that set its severity) that an editor can open: in a file named by
// an absolute path.
func related(d diag.Diagnostic) []protocol.DiagnosticRelatedInformation {
	var out []protocol.DiagnosticRelatedInformation
	for _, r := range d.Related {
		if !r.Pos.Valid() || !filepath.IsAbs(r.Pos.File.Name) {
			continue
		}
		out = append(out, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: uriOf(r.Pos.File.Name), Range: rangeOf(r.Pos, r.End)}, Message: r.Message})
	}
	return out
}

func severityOf(s diag.Severity) protocol.DiagnosticSeverity {
	switch s {
	case diag.Error:
		return protocol.DiagnosticSeverityError
	case diag.Warning:
		return protocol.DiagnosticSeverityWarning
	}
	return protocol.DiagnosticSeverityInformation
}

// rangeOf converts a byte span into the protocol's 0-based lines and
// UTF-16 columns.
func rangeOf(pos, end source.Pos) protocol.Range {
	if !pos.Valid() {
		return protocol.Range{}
	}
	if !end.Valid() || end.File != pos.File || end.Offset < pos.Offset {
		end = pos
	}
	return protocol.Range{Start: positionOf(pos), End: positionOf(end)}
}

func positionOf(p source.Pos) protocol.Position {
	line, col := p.File.LineCol16(p.Offset)
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

// offsetOf converts a protocol position in f into a byte offset.
func offsetOf(f *source.File, p protocol.Position) int {
	return f.Offset16(int(p.Line), int(p.Character))
}

// isLibrary reports whether a file may be imported by a definition.
func isLibrary(path string) bool {
	switch filepath.Ext(path) {
	case ".libsonnet", ".jsonnet", ".cue", ".json":
		return kindOf(path) == otherFile
	}
	return false
}
