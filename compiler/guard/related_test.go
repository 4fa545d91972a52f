package guard

import (
	"context"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// TestRelatedPointsAtTheRuleAndTheOverride: a finding of a repository's
// rule points at the rule's package clause, and at the configuration line
// that sets its severity when one does; a built-in rule points at none of
// its embedded source.
func TestRelatedPointsAtTheRuleAndTheOverride(t *testing.T) {
	src := `# METADATA
# title: No services
# description: A test rule.
# custom:
#   id: no-services
#   severity: error
#   remediation: Remove it.
package kiln.rules.no_services

import rego.v1

deny contains {"kind": "Service", "name": "a", "path": "spec", "msg": "no"} if true
`
	cfg := source.NewFile(".kiln/config.yaml", []byte("severity:\n  no-services: warning\n"))
	override := diag.Related{Pos: cfg.Pos(12), End: cfg.Pos(23), Message: "the configuration sets the severity of no-services"}
	b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"no_services.rego": src}),
		Severity: map[string]diag.Severity{"no-services": diag.Warning}, SeverityAt: map[string]diag.Related{"no-services": override}})
	if ds != nil {
		t.Fatal(ds)
	}
	r, ok := b.Rule("no-services")
	if !ok {
		t.Fatal("no rule no-services")
	}
	rel := b.Related(r)
	if len(rel) != 2 {
		t.Fatalf("related: %+v", rel)
	}
	line, col := rel[0].Pos.LineCol()
	if rel[0].Pos.File.Name != r.File || line != 8 || col != 1 || string(rel[0].Pos.File.Content[rel[0].Pos.Offset:rel[0].End.Offset]) != "package kiln.rules.no_services" {
		t.Errorf("the rule: %s:%d:%d %q", rel[0].Pos.File.Name, line, col, rel[0].Message)
	}
	if rel[1] != override {
		t.Errorf("the override: %+v", rel[1])
	}
	pinned, _ := b.Rule("image-pinned")
	if rel := b.Related(pinned); rel != nil {
		t.Errorf("a built-in rule: %+v", rel)
	}
}
