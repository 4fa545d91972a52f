package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/source"
)

// checkApp reads the files of an app through the input's reader, so that
// buffers layered over the disk are what is checked and what the key
// hashes: an import fixed in a buffer but broken on disk checks clean, a
// test file changed only in a buffer is a miss, and a stored result's
// recorded imports are compared with the buffers, not the disk.
func TestCheckAppReadsThroughTheInputsReader(t *testing.T) {
	dir := t.TempDir()
	write := writeIn(t, dir)
	write(".git/HEAD", "ref: refs/heads/main\n")
	def := write("apps/api/kiln.jsonnet", `local common = import '../../lib/common.libsonnet';
{
  apiVersion: 'kiln.dev/v1alpha1',
  kind: 'App',
  metadata: { name: 'api', owner: 'team-api' },
  spec: { image: common.image, port: 9000 },
}
`)
	lib := write("lib/common.libsonnet", "{ image: 42 }\n") // broken on disk
	const testYAML = "tests:\n  - it: listens on 9000\n    asserts:\n      - contains: {path: spec.ports, content: {port: 9000}}\n        kind: Service\n"
	test := write("apps/api/kiln_test.yaml", testYAML)
	good := []byte("{ image: 'ghcr.io/acme/api:1.0.0@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }\n")

	var mu sync.Mutex
	buffers := map[string][]byte{lib: good}
	var fromDisk []string
	read := func(name string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if b, ok := buffers[name]; ok {
			return b, nil
		}
		fromDisk = append(fromDisk, name)
		return os.ReadFile(name)
	}

	w, g, shared := openForTest(t, def)
	prepare := w.prepare
	eng := engine.New(engine.Options{Dir: filepath.Join(dir, "cache")})
	data, _ := os.ReadFile(def)
	in := input{file: source.NewFile(def, data), root: dir, src: readerSource(read)}
	check := func() (checked1, bool) {
		t.Helper()
		r, hit, err := checkApp(eng, shared, in, []string{test}, prepare, g)
		if err != nil {
			t.Fatal(err)
		}
		return r, hit
	}

	r, hit := check()
	if hit || r.BadInput || hasError(r.Diags) {
		t.Fatalf("hit %v, bad input %v, diagnostics %+v: the buffer of the import was not what was checked", hit, r.BadInput, r.Diags)
	}
	if _, ok := r.Deps[lib]; !ok {
		t.Errorf("the import is not recorded: %v", r.Deps)
	}
	if _, hit := check(); !hit {
		t.Error("nothing changed, and the check was recomputed")
	}
	// A buffer of the test file changes the key.
	mu.Lock()
	buffers[test] = []byte(testYAML + "# edited\n")
	mu.Unlock()
	if _, hit := check(); hit {
		t.Error("a test file edited in a buffer answered from the cache")
	}
	// The test that runs is the buffer's.
	mu.Lock()
	buffers[test] = []byte(strings.ReplaceAll(testYAML, "port: 9000", "port: 9001"))
	mu.Unlock()
	if r, _ := check(); len(r.Tests) != 1 || r.Tests[0].Status != "failed" {
		t.Errorf("tests %+v: the test file's buffer did not run", r.Tests)
	}
	mu.Lock()
	for _, name := range fromDisk {
		if name == lib {
			t.Errorf("%s was read from the disk while a buffer held it", name)
		}
	}
	mu.Unlock()
	// Closing the import's buffer: the disk's broken file is compared
	// with what the stored result recorded, and checked.
	mu.Lock()
	delete(buffers, lib)
	mu.Unlock()
	r, hit = check()
	if hit || !r.BadInput || len(r.Diags) == 0 || !strings.Contains(r.Diags[0].Message, "image") {
		t.Errorf("hit %v, bad input %v, diagnostics %+v: the disk's import was not checked", hit, r.BadInput, r.Diags)
	}

}

func hasError(ws []diag.Wire) bool {
	for _, w := range ws {
		if w.Severity == diag.Error {
			return true
		}
	}
	return false
}
