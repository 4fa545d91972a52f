package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
)

// A file of spec.files is read through the input's source and recorded
// as a dependency of the cached check: creating it, editing it in a
// buffer or on disk, each makes the stored result stale, and a file
// outside the repository is refused at its from line.
func TestFilesAreDependenciesOfTheCheck(t *testing.T) {
	dir := t.TempDir()
	write := writeIn(t, dir)
	write(".git/HEAD", "ref: refs/heads/main\n")
	def := write("apps/api/kiln.yaml", `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: api, owner: team-api}
spec:
  image: ghcr.io/acme/api:1.0.0
  port: 9000
  files:
    /etc/api/config.yaml:
      from: config.yaml
`)
	conf := filepath.Join(dir, "apps/api/config.yaml")

	var mu sync.Mutex
	buffers := map[string][]byte{}
	disk := repofile.Disk(dir)
	read := func(name string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if b, ok := buffers[name]; ok {
			return b, nil
		}
		return disk.ReadFile(name)
	}
	w, g, shared := openForTest(t, def)
	eng := engine.New(engine.Options{Dir: filepath.Join(dir, "cache")})
	data, _ := os.ReadFile(def)
	in := input{file: source.NewFile(def, data), root: dir, src: readerSource(read)}
	check := func() (checked1, bool) {
		t.Helper()
		r, hit, err := checkApp(eng, shared, in, nil, w.prepare, g)
		if err != nil {
			t.Fatal(err)
		}
		return r, hit
	}
	fileFinding := func(r checked1) string {
		for _, d := range r.Diags {
			if d.Code == "build/file" {
				return d.Message
			}
		}
		return ""
	}

	// Missing: a finding at the from line.
	r, _ := check()
	msg := fileFinding(r)
	if !strings.Contains(msg, "config.yaml does not exist") {
		t.Fatalf("diagnostics %+v: no finding for the missing file", r.Diags)
	}
	at := strings.Index(string(data), "from: config.yaml")
	for _, d := range r.Diags {
		if d.Code == "build/file" && (d.Pos < at || d.Pos > at+len("from: config.yaml")) {
			t.Errorf("the finding is at offset %d, not at from (%d)", d.Pos, at)
		}
	}
	if _, ok := r.Deps[conf]; !ok {
		t.Errorf("the missing file is not recorded: %v", r.Deps)
	}
	if _, hit := check(); !hit {
		t.Error("nothing changed, and the check was recomputed")
	}

	// Created on disk: the stored result is stale.
	write("apps/api/config.yaml", "port: 9000\n")
	r, hit := check()
	if hit || fileFinding(r) != "" || hasError(r.Diags) {
		t.Fatalf("hit %v, diagnostics %+v: the new file did not invalidate the check", hit, r.Diags)
	}
	if _, hit := check(); !hit {
		t.Error("nothing changed, and the check was recomputed")
	}

	// Edited in a buffer only: stale again.
	mu.Lock()
	buffers[conf] = []byte("port: 9001\n")
	mu.Unlock()
	if _, hit := check(); hit {
		t.Error("a file of spec.files edited in a buffer answered from the cache")
	}

	// Too large: a finding.
	mu.Lock()
	buffers[conf] = []byte(strings.Repeat("x", 256<<10+1))
	mu.Unlock()
	if r, _ := check(); !strings.Contains(fileFinding(r), "at most 262144") {
		t.Errorf("diagnostics %+v: no finding for a file too large", r.Diags)
	}
}

// A from that leaves the repository by .., an absolute one, or a symbolic
// link that leads out of the repository, is refused at its line.
func TestFilesStayInTheRepository(t *testing.T) {
	for _, tc := range []struct{ name, from, want string }{
		{"dotdot", "OUTSIDE", "outside the repository"},
		{"absolute", "/etc/passwd", "must be a path relative to the definition's directory"},
		{"symlink", "link.txt", "outside the repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outside := t.TempDir()
			os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("s3cret\n"), 0o644)
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
			os.WriteFile(filepath.Join(dir, ".git/HEAD"), []byte("ref: refs/heads/main\n"), 0o644)
			os.MkdirAll(filepath.Join(dir, "apps/api"), 0o755)
			if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "apps/api/link.txt")); err != nil {
				t.Fatal(err)
			}
			if tc.from == "OUTSIDE" { // by .., from the definition's directory
				rel, err := filepath.Rel(filepath.Join(dir, "apps/api"), filepath.Join(outside, "secret.txt"))
				if err != nil {
					t.Fatal(err)
				}
				tc.from = filepath.ToSlash(rel)
			}
			def := filepath.Join(dir, "apps/api/kiln.yaml")
			os.WriteFile(def, []byte("apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: api, owner: team-api}\nspec:\n  image: ghcr.io/acme/api:1.0.0\n  port: 9000\n  files:\n    /etc/api/x: {from: "+tc.from+"}\n"), 0o644)
			w, err := Open(t.Context(), Options{Dir: def, LazyPolicies: true})
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.Check(t.Context(), []string{def}, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, d := range res.Diagnostics {
				if line, _ := d.Pos.LineCol(); d.Code == "build/file" && strings.Contains(d.Message, tc.want) && line == 8 {
					found = true
				}
			}
			if !found {
				t.Errorf("no finding at line 8 saying %q: %v", tc.want, res.Diagnostics)
			}
		})
	}
}
