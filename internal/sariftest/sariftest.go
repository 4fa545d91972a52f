// Package sariftest gives tests the SARIF 2.1.0 JSON schema to validate
// kiln's SARIF reports against.
package sariftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/schemas/kube"
)

// Schema returns the SARIF 2.1.0 schema that go-sarif carries in its
// source, from the module cache (go.sum pins its content).
func Schema(t testing.TB) string {
	t.Helper()
	dir, err := kube.ModuleDir("github.com/owenrumney/go-sarif/v3@v3.3.1")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "pkg", "report", "v210", "sarif", "schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(src), "const schema = `")
	body, _, ok2 := strings.Cut(body, "`")
	if !ok || !ok2 || !strings.Contains(body, "sarif-schema-2.1.0.json") {
		t.Fatal("go-sarif's schema.go no longer holds the SARIF 2.1.0 schema as a raw string")
	}
	return body
}
