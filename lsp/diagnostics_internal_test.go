package lsp

import (
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// TestProtocolDiagnosticsCarryTheirFacts: an editor's diagnostic names
// the environments of a finding after its message, as the text report
// does, and points at the related places it can open.
func TestProtocolDiagnosticsCarryTheirFacts(t *testing.T) {
	root := t.TempDir()
	app := source.NewFile(filepath.Join(root, "kiln.yaml"), []byte("spec:\n  image: nginx\n"))
	rego := source.NewFile(filepath.Join(root, "policy", "pinned.rego"), []byte("# METADATA\npackage kiln.rules.pinned\n"))
	d := diag.Diagnostic{Pos: app.Pos(8), End: app.Pos(13), Severity: diag.Error, Code: "pinned", Message: "image nginx is not pinned",
		Environments: []string{"prod", "staging"}, Kind: diag.Finding,
		Related: []diag.Related{{Pos: rego.Pos(11), End: rego.Pos(35), Message: "the rule pinned"},
			{Pos: source.NewFile("policy/relative.rego", nil).Pos(0), Message: "not openable"}}}
	pd := toProtocol(nil, diag.List{d})[0]
	if pd.Message != "image nginx is not pinned (environments prod, staging)" {
		t.Errorf("message %q", pd.Message)
	}
	if len(pd.RelatedInformation) != 1 {
		t.Fatalf("related %+v", pd.RelatedInformation)
	}
	ri := pd.RelatedInformation[0]
	if ri.Location.URI != uriOf(rego.Name) || ri.Location.Range.Start.Line != 1 || ri.Location.Range.Start.Character != 0 || ri.Message != "the rule pinned" {
		t.Errorf("related %+v", ri)
	}
}
