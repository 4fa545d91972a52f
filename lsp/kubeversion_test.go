package lsp_test

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// Hovering an environment's kubeVersion explains it from app.cue's
// comment, with the versions kiln has the schemas of.
func TestHoverKubeVersion(t *testing.T) {
	text := app + "  environments:\n    prod: {kubeVersion: \"1.35\"}\n"
	c, u, _ := openApp(t, text, nil)
	var h protocol.Hover
	if err := c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: td(u), Position: pos(t, text, "kubeVersion", 2)}}, &h); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"spec.environments.prod.kubeVersion", "one of: 1.34, 1.35, 1.36, 1.37", "Kubernetes minor version of this environment's"} {
		if !strings.Contains(h.Contents.Value, want) {
			t.Errorf("hover lacks %q:\n%s", want, h.Contents.Value)
		}
	}
}
