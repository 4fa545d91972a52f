package lsp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referenceApp is the shipped reference example, a realistic app with
// environments and a patch (kiln-bench times a 100-line one, beside
// yaml-language-server).
func referenceApp(b testing.TB) string {
	data, err := os.ReadFile("../examples/reference/kiln.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// BenchmarkEdit measures one keystroke end to end: from a didChange to
// the publishDiagnostics of its version, through the debounce, the
// engine and the conversion. Each edit changes a value, so that every
// one is a real evaluation, not a cache hit.
func BenchmarkEdit(b *testing.B) {
	text := referenceApp(b)
	root := repo(&testing.T{}, map[string]string{"ref/kiln.yaml": text})
	c := start(&testing.T{}, realChecker(&testing.T{}))
	u := c.open(filepath.Join(root, "ref", "kiln.yaml"), text)
	c.waitFor(u, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := int32(i + 2)
		edited := strings.Replace(text, "description:", fmt.Sprintf("# edit %d\n  description:", i), 1)
		c.change(u, v, edited)
		c.waitFor(u, uint32(v))
	}
}
