package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/kilnhq/kiln/internal/sariftest"
)

// TestSARIFOfRealRunsMatchesTheSchema runs kiln as a user would, from a
// subdirectory of a repository, on a run that could not check a file and
// on runs with waived findings (the repository's and an app's own), and
// checks each SARIF log against the SARIF 2.1.0 schema.
func TestSARIFOfRealRunsMatchesTheSchema(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".git/HEAD":         "ref: refs/heads/main\n",
		".kiln/config.yaml": "waivers:\n  - rule: owner-label\n    reason: adopting kiln\n    expires: 2099-01-01\n",
		"deploy/web.yaml":   "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: web\n      image: nginx:latest\n",
		"deploy/bad.yaml":   "apiVersion: v1\nkind: [\n",
		"apps/a/kiln.yaml": "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: team-a}\nspec:\n  image: nginx:latest\n  port: 8080\n" +
			"  waivers:\n    - rule: image-pinned\n      reason: vendor publishes latest only\n      expires: 2099-01-01\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(dir, "deploy"))
	t.Setenv("KILN_CACHE", t.TempDir())
	schema := sarifSchema(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"lint", "--format", "sarif", "web.yaml", "bad.yaml"},
			[]string{`"executionSuccessful": false`, `"uri": "deploy/bad.yaml"`, `"kind": "external"`}},
		{[]string{"build", "--format", "sarif", "-o", t.TempDir(), "../apps/a/kiln.yaml"},
			[]string{`"executionSuccessful": true`, `"uri": "apps/a/kiln.yaml"`, `"kind": "inSource"`}},
	} {
		var out, errs bytes.Buffer
		Run(context.Background(), c.args, strings.NewReader(""), &out, &errs)
		var doc any
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("kiln %s: %v\n%s", strings.Join(c.args, " "), err, errs.String())
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("kiln %s: not SARIF 2.1.0: %#v", strings.Join(c.args, " "), err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("kiln %s: no %s in\n%s", strings.Join(c.args, " "), w, out.String())
			}
		}
	}
}

// sarifSchema compiles the SARIF 2.1.0 schema.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	body := sariftest.Schema(t)
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
