package config

import (
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// TestSeverityOrigins: the line that sets a rule's severity is where a
// finding of the rule points to say why it has it.
func TestSeverityOrigins(t *testing.T) {
	f := source.NewFile(Name, []byte("severity:\n  image-pinned: warning\n"))
	c, ds := Parse(f, ".")
	if ds != nil {
		t.Fatal(ds)
	}
	o, ok := c.SeverityOrigins()["image-pinned"]
	if !ok {
		t.Fatal("no origin for image-pinned")
	}
	if line, col := o.Pos.LineCol(); o.Pos.File != f || line != 2 || col != 3 || o.Message != "the configuration sets the severity of image-pinned" {
		t.Errorf("origin %s:%d:%d %q", o.Pos.File.Name, line, col, o.Message)
	}
}
