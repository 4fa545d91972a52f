package discover

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		"b/kiln.yaml", "a/kiln.cue", "a/deep/er/kiln.jsonnet", "c/kiln.json", "c/kiln.yml",
		"c/other.yaml", ".git/kiln.yaml", "x/vendor/kiln.yaml", "node_modules/kiln.yaml",
	} {
		p = filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	got, err := Find([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(dir, got[i])
	}
	want := []string{"a/deep/er/kiln.jsonnet", "a/kiln.cue", "b/kiln.yaml", "c/kiln.json", "c/kiln.yml"}
	if !slices.Equal(got, want) {
		t.Errorf("Find = %v, want %v", got, want)
	}

	// An explicit file of any name is taken as given.
	other := filepath.Join(dir, "c/other.yaml")
	if got, err := Find([]string{other}); err != nil || !slices.Equal(got, []string{other}) {
		t.Errorf("Find(file) = %v, %v", got, err)
	}
}

func TestFindNothingIsAnError(t *testing.T) {
	dir := t.TempDir()
	if _, err := Find([]string{dir}); err == nil || !strings.Contains(err.Error(), "no kiln app definitions under") {
		t.Errorf("Find(empty dir) error = %v", err)
	}
	if _, err := Find([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("Find(missing path) succeeded")
	}
}

func TestRepoRoot(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.MkdirAll(filepath.Join(dir, "apps/a"), 0o755)
	root := RepoRoot(filepath.Join(dir, "apps/a/kiln.jsonnet"))
	if want, _ := filepath.EvalSymlinks(dir); root != dir && root != want {
		t.Errorf("RepoRoot = %s, want %s", root, dir)
	}
}

// Roots answers as RepoRoot does, for relative and absolute paths, with
// and without a .git above.
func TestRootsAgreeWithRepoRoot(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"repo/.git", "repo/apps/a", "repo/apps/b", "loose/c"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	t.Chdir(dir)
	var r Roots
	for _, p := range []string{"repo/apps/a/kiln.yaml", "repo/apps/b/kiln.yaml", "repo/kiln.yaml", "loose/c/kiln.yaml", "loose/c",
		filepath.Join(dir, "repo/apps/a/kiln.yaml"), "./repo/apps/../apps/a/kiln.yaml"} {
		if got, want := r.RepoRoot(p), RepoRoot(p); got != want {
			t.Errorf("Roots.RepoRoot(%s) = %s, RepoRoot = %s", p, got, want)
		}
	}
	if got := r.RepoRoot("repo/apps/a/kiln.yaml"); got != filepath.Join(dir, "repo") {
		t.Errorf("root of repo/apps/a/kiln.yaml = %s", got)
	}
	if got := r.RepoRoot("loose/c/kiln.yaml"); got != filepath.Join(dir, "loose/c") {
		t.Errorf("root of loose/c/kiln.yaml = %s, want its directory", got)
	}
}
