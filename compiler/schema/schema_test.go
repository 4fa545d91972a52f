package schema

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/kilnhq/kiln/schemas"
)

var update = flag.Bool("update", false, "rewrite schemas/app.schema.json from schemas/app.cue")

// TestJSONSchemaUpToDate fails when app.schema.json no longer matches what
// app.cue generates. Run `make schema` to regenerate it.
func TestJSONSchemaUpToDate(t *testing.T) {
	got, err := GenerateJSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../../schemas/app.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, schemas.AppJSONSchema) {
		t.Fatal("schemas/app.schema.json is stale: it differs from what schemas/app.cue generates; run: make schema")
	}
}
