// Package precommit tests kiln's hooks with the real pre-commit framework:
// pre-commit try-repo builds kiln from this repository the way a team's
// pre-commit would, and runs it on a commit's files.
package precommit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const good = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: good, owner: team-a}
spec:
  image: ghcr.io/acme/good:1.0.0
  port: 8080
`

const bad = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: bad, owner: team-a}
spec:
  image: ghcr.io/acme/bad:1.0.0
  prot: 8080
`

const manifest = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: busybox}]
`

const jsonnetApp = `local common = import '../../lib/common.libsonnet';
{
  apiVersion: 'kiln.dev/v1alpha1',
  kind: 'App',
  metadata: { name: 'api', owner: 'team-a' },
  spec: { image: 'ghcr.io/acme/api:1.0.0', port: common.port },
}
`

func TestHooksWithPreCommit(t *testing.T) {
	if _, err := exec.LookPath("pre-commit"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pre-commit is not installed, and CI must run this test (.ci/run installs the Debian package pre-commit)")
		}
		t.Skip("SKIPPED: pre-commit is not installed (apt-get install pre-commit); CI runs this test")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good/kiln.yaml", good)
	write("bad/kiln.yaml", bad)
	write("deploy/pod.yaml", manifest)
	write("apps/api/kiln.jsonnet", jsonnetApp)
	write("lib/common.libsonnet", "{ port: 'eighty' }\n")
	write(".github/workflows/ci.yaml", "on: push\n")
	// pre-commit builds the hook with its own GOPATH; pointing it at this
	// machine's module and build caches spares it downloading and
	// compiling every dependency again.
	env := append(os.Environ(), "PRE_COMMIT_HOME="+filepath.Join(dir, ".pre-commit-home"), "KILN_CACHE="+filepath.Join(dir, ".kiln-cache"),
		"GOMODCACHE="+goEnv(t, "GOMODCACHE"), "GOCACHE="+goEnv(t, "GOCACHE"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	run := func(args ...string) (string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, c := range [][]string{{"git", "init", "-q"}, {"git", "add", "."}} {
		if out, err := run(c...); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	tryRepo := func(hook string, files ...string) (string, error) {
		return run(append([]string{"pre-commit", "try-repo", root, hook, "--verbose", "--files"}, files...)...)
	}

	out, err := tryRepo("kiln-check", "good/kiln.yaml")
	if err != nil || !strings.Contains(out, "kiln check") || !strings.Contains(out, "Passed") {
		t.Fatalf("the good definition was refused (%v):\n%s", err, out)
	}
	out, err = tryRepo("kiln-check", "bad/kiln.yaml")
	if err == nil || !strings.Contains(out, "Failed") {
		t.Fatalf("the bad definition was accepted:\n%s", out)
	}
	if !strings.Contains(out, `bad/kiln.yaml:6:3: error: unknown field "prot" in spec; did you mean "port"?`) {
		t.Errorf("the refusal does not carry kiln's positioned message:\n%s", out)
	}
	// A library elsewhere in the repository selects the apps importing it.
	out, err = tryRepo("kiln-check", "lib/common.libsonnet")
	if err == nil || !strings.Contains(out, "Failed") || !strings.Contains(out, "apps/api/kiln.jsonnet:") {
		t.Errorf("a broken library imported by an app was accepted (%v):\n%s", err, out)
	}
	// kiln-fix corrects the misspelled field: the commit stops, so the
	// change can be reviewed, and the fixed file then passes kiln-check.
	out, err = tryRepo("kiln-fix", "bad/kiln.yaml", "good/kiln.yaml")
	if err == nil || !strings.Contains(out, "files were modified by this hook") || !strings.Contains(out, `Change "prot" to "port"`) {
		t.Errorf("kiln-fix did not fix, or did not stop the commit (%v):\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "bad/kiln.yaml")); string(b) != strings.Replace(bad, "prot:", "port:", 1) {
		t.Errorf("kiln-fix wrote:\n%s", b)
	}
	if out, err = tryRepo("kiln-check", "bad/kiln.yaml"); err != nil {
		t.Errorf("the fixed definition was refused (%v):\n%s", err, out)
	}
	out, err = tryRepo("kiln-lint", "deploy/pod.yaml", ".github/workflows/ci.yaml")
	if err == nil || !strings.Contains(out, "deploy/pod.yaml:5:") || !strings.Contains(out, "[image-pinned]") {
		t.Errorf("kiln-lint passed an unpinned image, or without its position (%v):\n%s", err, out)
	}
	out, err = tryRepo("kiln-lint", ".github/workflows/ci.yaml")
	if err != nil {
		t.Errorf("kiln-lint refused a commit with no manifest in it (%v):\n%s", err, out)
	}
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
