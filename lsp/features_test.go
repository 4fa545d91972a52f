package lsp_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/kilnhq/kiln/compiler/fix"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

// pos returns the protocol position of the first occurrence of needle in
// text, plus delta UTF-16 units.
func pos(t *testing.T, text, needle string, delta int) protocol.Position {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in the text", needle)
	}
	f := source.NewFile("x", []byte(text))
	line, col := f.LineCol16(i)
	return protocol.Position{Line: uint32(line), Character: uint32(col + delta)}
}

func td(u protocol.DocumentURI) protocol.TextDocumentIdentifier {
	return protocol.TextDocumentIdentifier{URI: u}
}

func openApp(t *testing.T, text string, extra map[string]string) (*client, protocol.DocumentURI, string) {
	t.Helper()
	files := map[string]string{"shop/kiln.yaml": text}
	for k, v := range extra {
		files[k] = v
	}
	root := repo(t, files)
	c := start(t, realChecker(t))
	def := filepath.Join(root, "shop", "kiln.yaml")
	u := c.open(def, text)
	c.waitFor(u, 1)
	return c, u, def
}

func TestHover(t *testing.T) {
	// Without scaling, the SLA decides the replicas.
	text := strings.Replace(app, "  scaling:\n    min: 3\n    max: 5\n", "", 1)
	c, u, _ := openApp(t, text, nil)
	var h protocol.Hover
	if err := c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, text, "availability", 3)}}, &h); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FIELD:       spec.sla.availability", "CONSTRAINTS:", "What it produced", "PodDisruptionBudget/shop spec.maxUnavailable = 1", "Deployment/shop spec.replicas = 3", "spread over kubernetes.io/hostname (DoNotSchedule), topology.kubernetes.io/zone (ScheduleAnyway)"} {
		if !strings.Contains(h.Contents.Value, want) {
			t.Errorf("hover lacks %q:\n%s", want, h.Contents.Value)
		}
	}
	// Environments that produced the same are said once.
	envs := text + "  environments: {staging: {}, prod: {}}\n"
	c.change(u, 2, envs)
	c.waitFor(u, 2)
	if err := c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, envs, "availability", 3)}}, &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Contents.Value, "- prod, staging: ") || strings.Count(h.Contents.Value, "Deployment/shop spec.replicas = 3") != 1 {
		t.Errorf("hover over two like environments:\n%s", h.Contents.Value)
	}
	// On a rule id: the rule's documentation.
	waived := text + "  waivers:\n    - {rule: image-digest, reason: mirrored, expires: \"2099-01-01\"}\n"
	c.change(u, 3, waived)
	c.waitFor(u, 3)
	if err := c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, waived, "image-digest", 2)}}, &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Contents.Value, "**image-digest** (info)") || !strings.Contains(h.Contents.Value, "docs/rules.md#image-digest") {
		t.Errorf("hover on a rule id:\n%s", h.Contents.Value)
	}
}

func labels(l protocol.CompletionList) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Label)
	}
	sort.Strings(out)
	return out
}

func TestCompletion(t *testing.T) {
	c, u, _ := openApp(t, app, nil)
	complete := func(text string, p protocol.Position) []string {
		t.Helper()
		c.change(u, 9, text)
		var l protocol.CompletionList
		if err := c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: td(u), Position: p}}, &l); err != nil {
			t.Fatal(err)
		}
		return labels(l)
	}
	// A field of spec, without the ones already written.
	text := strings.Replace(app, "  port: 8080\n", "  port: 8080\n  pro\n", 1)
	got := complete(text, pos(t, text, "  pro\n", 5))
	if !contains(got, "protocol") || !contains(got, "resources") || contains(got, "port") || contains(got, "image") {
		t.Errorf("spec fields: %v", got)
	}
	// An enumeration's values.
	text = strings.Replace(app, "  port: 8080\n", "  port: 8080\n  protocol: \n", 1)
	if got := complete(text, pos(t, text, "protocol: ", 10)); strings.Join(got, ",") != "grpc,http,none,tcp" {
		t.Errorf("protocol values: %v", got)
	}
	// Quantities with their units.
	text = app + "  resources:\n    memory: \n"
	if got := complete(text, pos(t, text, "memory: ", 8)); !contains(got, "256Mi") || !contains(got, "1Gi") {
		t.Errorf("memory quantities: %v", got)
	}
	// A number typed: that number with each unit.
	text = app + "  resources:\n    memory: 512\n"
	if got := complete(text, pos(t, text, "memory: 512", 11)); strings.Join(got, ",") != "512G,512Gi,512M,512Mi" {
		t.Errorf("memory units: %v", got)
	}
	c.change(u, 9, app+"  resources:\n    memory: 512\n")
	var l protocol.CompletionList
	text = app + "  resources:\n    memory: 512\n"
	c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: td(u), Position: pos(t, text, "memory: 512", 11)}}, &l)
	if e := l.Items[0].TextEdit; e == nil || e.Range.Start.Character != 12 || e.Range.End.Character != 15 {
		t.Errorf("the unit completion does not replace the typed number: %+v", l.Items[0])
	}
	text = app + "  resources:\n    cpu: 250\n"
	if got := complete(text, pos(t, text, "cpu: 250", 8)); strings.Join(got, ",") != "250,250m" {
		t.Errorf("cpu units: %v", got)
	}
	// Rule ids inside a waiver.
	text = app + "  waivers:\n    - reason: mirrored\n      rule: \n"
	if got := complete(text, pos(t, text, "rule: ", 6)); !contains(got, "image-pinned") || !contains(got, "replicas-meet-sla") {
		t.Errorf("rule ids: %v", got)
	}
	// Inside an environment: the fields an override may set.
	text = app + "  environments:\n    prod:\n      sc\n"
	if got := complete(text, pos(t, text, "      sc\n", 8)); !contains(got, "scaling") || contains(got, "port") {
		t.Errorf("environment fields: %v", got)
	}
	// An empty definition: the skeleton.
	c.change(u, 10, "")
	l = protocol.CompletionList{}
	c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: td(u)}}, &l)
	if len(l.Items) != 1 || l.Items[0].InsertTextFormat != protocol.InsertTextFormatSnippet || !strings.Contains(l.Items[0].InsertText, "apiVersion: kiln.dev/v1alpha1") {
		t.Errorf("skeleton: %+v", l.Items)
	}
}

// apply applies a code action's edits to text, as the editor would.
func apply(t *testing.T, text string, a protocol.CodeAction, u protocol.DocumentURI) string {
	t.Helper()
	f := source.NewFile("x", []byte(text))
	var edits []fix.Edit
	changes := a.Edit.Changes[u]
	for _, dc := range a.Edit.DocumentChanges {
		if dc.TextDocument.URI == u {
			changes = append(changes, dc.Edits...)
		}
	}
	for _, e := range changes {
		edits = append(edits, fix.Edit{Start: f.Offset16(int(e.Range.Start.Line), int(e.Range.Start.Character)),
			End: f.Offset16(int(e.Range.End.Line), int(e.Range.End.Character)), New: e.NewText})
	}
	out, err := fix.Apply(f.Content, edits)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCodeActions(t *testing.T) {
	text := strings.Replace(strings.Replace(app, "  port: 8080", "  prot: 8080  # ünïcode 🚀", 1), "min: 3", "min: 1", 1)
	c, u, _ := openApp(t, text, nil)
	actions := func(needle string) []protocol.CodeAction {
		t.Helper()
		var as []protocol.CodeAction
		p := pos(t, text, needle, 0)
		if err := c.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u), Range: protocol.Range{Start: p, End: p}}, &as); err != nil {
			t.Fatal(err)
		}
		return as
	}
	as := actions("prot:")
	if len(as) == 0 || as[0].Title != `Change "prot" to "port"` || !as[0].IsPreferred {
		t.Fatalf("actions at prot: %+v", as)
	}
	// The edit names the version it was made for, so that the editor
	// refuses it once the buffer has changed.
	if dc := as[0].Edit.DocumentChanges; len(dc) != 1 || dc[0].TextDocument.Version == nil || *dc[0].TextDocument.Version != 1 {
		t.Errorf("the edit carries no version: %+v", as[0].Edit)
	}
	fixed := apply(t, text, as[0], u)
	if want := strings.Replace(text, "  prot: 8080", "  port: 8080", 1); fixed != want {
		t.Errorf("after the fix:\n%s\nwant\n%s", fixed, want)
	}
	// Applied in the editor, the fix makes the diagnostic go.
	c.change(u, 2, fixed)
	if ds := c.waitFor(u, 2); contains(codes(ds), "schema/unknown-field") {
		t.Errorf("the fix did not fix: %v", codes(ds))
	}
	text = fixed
	as = actions("min: 1")
	var titles []string
	for _, a := range as {
		titles = append(titles, a.Title)
	}
	if len(as) < 2 || as[0].Title != "Raise spec.scaling.min to 3, as the SLA needs" || !strings.HasPrefix(as[1].Title, "Waive replicas-meet-sla") {
		t.Fatalf("actions at min: %v", titles)
	}
	if got := apply(t, text, as[0], u); !strings.Contains(got, "    min: 3\n") {
		t.Errorf("raise min:\n%s", got)
	}
	waived := apply(t, text, as[1], u)
	if !strings.Contains(waived, "  waivers:\n    - rule: replicas-meet-sla\n      reason: \"\"\n      expires: \"2026-12-31\"\n") {
		t.Errorf("waiver skeleton:\n%s", waived)
	}
	// The skeleton's empty reason is refused until someone writes one.
	c.change(u, 3, waived)
	if ds := c.waitFor(u, 3); !hasError(ds) {
		t.Errorf("a waiver without a reason is accepted: %v", codes(ds))
	}
}

func TestSymbolsDefinitionAndLenses(t *testing.T) {
	text := app + "  environments:\n    prod: {scaling: {min: 4}}\n  waivers:\n    - {rule: image-digest, reason: mirrored, expires: \"2099-01-01\"}\n"
	c, u, _ := openApp(t, text, map[string]string{"shop/kiln_test.yaml": "suite: shop\ntests:\n  - it: scales from four in prod\n    env: prod\n    asserts:\n      - equal: {path: spec.minReplicas, value: 4}\n        kind: HorizontalPodAutoscaler\n"})
	var syms []protocol.DocumentSymbol
	if err := c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: td(u)}, &syms); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
		if s.Name == "spec" {
			for _, ch := range s.Children {
				names = append(names, "spec."+ch.Name)
				for _, g := range ch.Children {
					names = append(names, "spec."+ch.Name+"."+g.Name)
				}
			}
		}
	}
	for _, want := range []string{"metadata", "spec", "spec.environments.prod", "spec.waivers.0: image-digest"} {
		if !contains(names, want) {
			t.Errorf("symbols lack %s: %v", want, names)
		}
	}
	var locs []protocol.Location
	if err := c.call("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, text, "image-digest", 1)}}, &locs); err != nil {
		t.Fatal(err)
	}
	if len(locs) != 1 || !strings.HasSuffix(string(locs[0].URI), "/image_digest.rego") {
		t.Errorf("definition of image-digest: %+v", locs)
	}
	var lenses []protocol.CodeLens
	if err := c.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: td(u)}, &lenses); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, l := range lenses {
		titles = append(titles, l.Command.Title)
	}
	if !contains(titles, "manifests: prod") || !contains(titles, "helm/values.yaml") || !contains(titles, "run tests") {
		t.Fatalf("lenses: %v", titles)
	}
	for _, l := range lenses {
		if l.Command.Title != "manifests: prod" {
			continue
		}
		var res struct{ URI, Content string }
		if err := c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: l.Command.Command, Arguments: l.Command.Arguments}, &res); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Content, "kind: Deployment") || !strings.Contains(res.Content, "minReplicas: 4") || res.URI == "" {
			t.Errorf("rendered prod: %q at %s", res.Content[:min(200, len(res.Content))], res.URI)
		}
	}
	var summary string
	if err := c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "kiln.runTests", Arguments: []any{map[string]any{"uri": u}}}, &summary); err != nil {
		t.Fatal(err)
	}
	if summary != "1 passed, 0 failed" {
		t.Errorf("run tests: %q", summary)
	}
}

// The other files kiln reads get their own diagnostics: the repository
// configuration, a Dockerfile beside the app, its test file.
func TestConfigDockerfileAndTestDiagnostics(t *testing.T) {
	root := repo(t, map[string]string{
		"shop/kiln.yaml":      app,
		"shop/Dockerfile":     "FROM registry.example.com/base:1.0\nUSER 10001\nEXPOSE 9090\n",
		"shop/kiln_test.yaml": "suite: shop\ntests:\n  - it: runs four\n    asserts:\n      - equal: {path: spec.minReplicas, value: 4}\n        kind: HorizontalPodAutoscaler\n",
		".kiln/config.yaml":   "disable: [image-digest]\n",
	})
	c := start(t, realChecker(t))
	u := c.open(filepath.Join(root, "shop", "kiln.yaml"), app)
	c.waitFor(u, 1)
	df := c.open(filepath.Join(root, "shop", "Dockerfile"), "FROM registry.example.com/base:1.0\nUSER 10001\nEXPOSE 9090\n")
	dds := c.waitFor(df, 1) // the EXPOSE's error, beside the USER's info
	if i := slices.Index(codes(dds), "dockerfile-expose"); i < 0 || dds[i].Range.Start.Line != 2 {
		t.Errorf("Dockerfile: %+v", dds)
	}
	tf := filepath.Join(root, "shop", "kiln_test.yaml")
	tu := c.open(tf, "suite: shop\ntests:\n  - it: runs four\n    asserts:\n      - equal: {path: spec.minReplicas, value: 4}\n        kind: HorizontalPodAutoscaler\n")
	if ds := c.waitFor(tu, 1); len(ds) == 0 || ds[0].Range.Start.Line != 4 {
		t.Errorf("failing test: %+v", ds)
	}
	// The unsaved buffer, not the file on disk, is what runs.
	c.change(tu, 2, "suite: shop\ntests:\n  - it: runs three\n    asserts:\n      - equal: {path: spec.minReplicas, value: 3}\n        kind: HorizontalPodAutoscaler\n")
	if ds := c.waitFor(tu, 2); len(ds) != 0 {
		t.Errorf("a passing test buffer still fails: %+v", ds)
	}
	cu := c.open(filepath.Join(root, ".kiln", "config.yaml"), "disable: [image-digest, no-such-rule]\n")
	ds := c.waitFor(cu, 1)
	if !contains(codes(ds), "config/unknown-rule") || ds[0].Range.Start.Character != uint32(strings.Index("disable: [image-digest, no-such-rule]", "no-such-rule")) {
		t.Errorf("configuration: %+v", ds)
	}
	// Closed, its buffer's diagnostics are cleared.
	c.notify("textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: td(cu)})
	if ds := c.waitFor(cu, 0); len(ds) != 0 {
		t.Errorf("a closed configuration keeps its diagnostics: %+v", ds)
	}
}

// An imported Jsonnet library, edited in the editor, is what the app that
// imports it is checked with, before it is saved.
func TestLibraryBuffers(t *testing.T) {
	appText := "local common = import '../lib/common.libsonnet';\n{\n  apiVersion: 'kiln.dev/v1alpha1',\n  kind: 'App',\n  metadata: { name: 'api', owner: 'team-a' },\n  spec: { image: 'ghcr.io/acme/api:1.0.0', port: common.port },\n}\n"
	root := repo(t, map[string]string{"api/kiln.jsonnet": appText, "lib/common.libsonnet": "{ port: 8080 }\n"})
	c := start(t, realChecker(t))
	u := c.open(filepath.Join(root, "api", "kiln.jsonnet"), appText)
	if ds := c.waitFor(u, 1); hasError(ds) {
		t.Fatalf("the app has errors: %+v", ds)
	}
	lib := c.open(filepath.Join(root, "lib", "common.libsonnet"), "{ port: 8080 }\n")
	c.change(lib, 2, "{ port: 'eighty' }\n")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		ps := c.diags[u]
		c.mu.Unlock()
		if last := ps[len(ps)-1]; hasError(last.Diagnostics) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !time.Now().Before(deadline) {
		t.Fatal("an edited library buffer did not re-check the app importing it")
	}
	// The rendered outputs follow the library's buffer too.
	show := func() string {
		t.Helper()
		var lenses []protocol.CodeLens
		c.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: td(u)}, &lenses)
		for _, l := range lenses {
			if strings.HasPrefix(l.Command.Title, "manifests: ") {
				var res struct{ Content string }
				c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: l.Command.Command, Arguments: l.Command.Arguments}, &res)
				return res.Content
			}
		}
		t.Fatalf("no manifests lens: %+v", lenses)
		return ""
	}
	c.change(lib, 3, "{ port: 8080 }\n")
	if got := show(); !strings.Contains(got, "containerPort: 8080") {
		t.Errorf("rendered with port 8080:\n%s", got)
	}
	c.change(lib, 4, "{ port: 9090 }\n")
	if got := show(); !strings.Contains(got, "containerPort: 9090") {
		t.Errorf("the rendered manifests ignore the library's buffer:\n%s", got)
	}
}

// The repository root decides whether a Jsonnet import may leave the
// app's directory, so it is an input of every remembered result: once
// .git is created, the same text is checked and built afresh, not
// answered with the refusal remembered from before.
func TestRepositoryRootIsAnInput(t *testing.T) {
	appText := "local common = import '../lib/common.libsonnet';\n{\n  apiVersion: 'kiln.dev/v1alpha1',\n  kind: 'App',\n  metadata: { name: 'api', owner: 'team-a' },\n  spec: { image: 'ghcr.io/acme/api:1.0.0', port: common.port },\n}\n"
	root := t.TempDir() // no .git: the root is the app's own directory
	for name, content := range map[string]string{"api/kiln.jsonnet": appText, "lib/common.libsonnet": "{ port: 8080 }\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := start(t, realChecker(t))
	u := c.open(filepath.Join(root, "api", "kiln.jsonnet"), appText)
	refused := func(ds []protocol.Diagnostic) bool {
		for _, d := range ds {
			if strings.Contains(d.Message, "outside the repository root") {
				return true
			}
		}
		return false
	}
	lenses := func() int {
		t.Helper()
		var ls []protocol.CodeLens
		if err := c.call("textDocument/codeLens", &protocol.CodeLensParams{TextDocument: td(u)}, &ls); err != nil {
			t.Fatal(err)
		}
		return len(ls)
	}
	if ds := c.waitFor(u, 1); !refused(ds) {
		t.Fatalf("an import outside the app's directory, without .git: %+v", ds)
	}
	if n := lenses(); n != 0 {
		t.Fatalf("an app that does not load has %d lenses", n)
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.change(u, 2, appText+"// edited\n")
	c.waitFor(u, 2)
	c.change(u, 3, appText)
	if ds := c.waitFor(u, 3); refused(ds) || hasError(ds) {
		t.Errorf("with .git above, the import is still refused: %+v", ds)
	}
	if n := lenses(); n == 0 {
		t.Error("with .git above, the app still has no outputs to show")
	}
}

// A Jsonnet app importing a library outside its directory has its hover,
// outline and quick fixes, loaded as the check loads it: imports confined
// to the repository root, read through the open buffers (here the
// library is broken on disk and fixed in its buffer).
func TestJsonnetImportFeatures(t *testing.T) {
	appText := "local common = import '../lib/common.libsonnet';\n{\n  apiVersion: 'kiln.dev/v1alpha1',\n  kind: 'App',\n  metadata: { name: 'api', owner: 'team-a' },\n  spec: { image: 'ghcr.io/acme/api:1.0.0', port: common.port, helth: { liveness: '/healthz' } },\n}\n"
	root := repo(t, map[string]string{"api/kiln.jsonnet": appText, "lib/common.libsonnet": "{ port: \n"})
	c := start(t, realChecker(t))
	c.open(filepath.Join(root, "lib", "common.libsonnet"), "{ port: 8080 }\n")
	u := c.open(filepath.Join(root, "api", "kiln.jsonnet"), appText)
	if ds := c.waitFor(u, 1); !contains(codes(ds), "schema/unknown-field") {
		t.Fatalf("diagnostics: %+v", ds)
	}
	var h protocol.Hover
	if err := c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, appText, "image", 1)}}, &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Contents.Value, "FIELD:       spec.image") {
		t.Errorf("hover on spec.image: %q", h.Contents.Value)
	}
	var syms []protocol.DocumentSymbol
	if err := c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: td(u)}, &syms); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
	}
	if !contains(names, "metadata") || !contains(names, "spec") {
		t.Errorf("outline: %v", names)
	}
	var as []protocol.CodeAction
	p := pos(t, appText, "helth", 1)
	if err := c.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: td(u), Range: protocol.Range{Start: p, End: p}}, &as); err != nil {
		t.Fatal(err)
	}
	if len(as) == 0 || as[0].Title != `Change "helth" to "health"` {
		t.Fatalf("actions at helth: %+v", as)
	}
	if got := apply(t, appText, as[0], u); !strings.Contains(got, " health: { liveness") {
		t.Errorf("after the fix:\n%s", got)
	}
}

// Completion reads a document's lines as the editor counts them, however
// they end.
func TestCompletionLineEndings(t *testing.T) {
	c, u, _ := openApp(t, app, nil)
	text := strings.Replace(app, "  port: 8080\n", "  port: 8080\n  pro\n", 1)
	at := pos(t, text, "  pro\n", 5) // the same line and column in every variant
	for i, v := range lineend.Variants([]byte(text)) {
		c.change(u, int32(20+i), string(v))
		var l protocol.CompletionList
		if err := c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: td(u), Position: at}}, &l); err != nil {
			t.Fatal(err)
		}
		if got := labels(l); !contains(got, "protocol") || contains(got, "port") {
			t.Errorf("%q: spec fields: %v", v, got)
		}
	}
}

// TestCompletionOfDependencies: dependsOn's app completes with the names
// the repository's other definitions give their apps, not their
// directories.
func TestCompletionOfDependencies(t *testing.T) {
	other := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: NAME, owner: team-a}\nspec:\n  image: ghcr.io/a/x:1.0.0\n  port: 8080\n"
	c, u, _ := openApp(t, app, map[string]string{
		"backend/api/kiln.yaml":  strings.Replace(other, "NAME", "payments-api", 1),
		"jobs/nightly/kiln.yaml": strings.Replace(other, "NAME", "ledger", 1),
	})
	text := app + "  dependsOn:\n    - app: \n"
	c.change(u, 9, text)
	var l protocol.CompletionList
	if err := c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, text, "- app: ", 7)}}, &l); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(labels(l), ","); got != "ledger,payments-api" {
		t.Errorf("dependsOn app completion: %s, want ledger,payments-api", got)
	}
}
