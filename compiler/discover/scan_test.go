package discover

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/internal/appgen"
)

func tree(t testing.TB, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, f)
		if strings.HasSuffix(f, "/") {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("# "+f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// repo is a repository with two configurations: the root's, and one of
// its own for team-b.
func repo(t testing.TB) string {
	dir := t.TempDir()
	tree(t, dir,
		".git/HEAD", ".kiln/config.yaml",
		"apps/a/kiln.yaml", "apps/a/Dockerfile", "apps/a/kiln_test.yaml", "apps/a/smoke.kiln_test.yaml",
		"apps/a/__snapshot__/kiln_test.yaml.snap", "apps/a/build/deployment.yaml",
		"apps/b/kiln.jsonnet", "apps/b/kiln_test.cue", "apps/b/lib.libsonnet",
		"team-b/.kiln/config.yaml", "team-b/svc/kiln.cue", "team-b/svc/README.md",
		"policies/team.rego", "policies/data.yaml",
		"deploy/service.yaml", "deploy/chart/Chart.yaml", "deploy/chart/templates/x.yaml",
		"deploy/kust/kustomization.yaml", "deploy/kust/base.yaml",
		"vendor/v/kiln.yaml", "node_modules/m/kiln.yaml", "x/.git/kiln.yaml")
	return dir
}

func rel(t testing.TB, dir string, names []string) []string {
	out := []string{}
	for _, n := range names {
		r, err := filepath.Rel(dir, n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

func TestScan(t *testing.T) {
	dir := repo(t)
	r, err := Scan(repofile.Disk(dir), dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != dir {
		t.Errorf("Root = %s, want %s", r.Root, dir)
	}
	if got, want := rel(t, dir, r.Definitions()), []string{"apps/a/kiln.yaml", "apps/b/kiln.jsonnet", "team-b/svc/kiln.cue"}; !slices.Equal(got, want) {
		t.Errorf("apps = %v, want %v", got, want)
	}
	a, _ := r.App(filepath.Join(dir, "apps/a/kiln.yaml"))
	if a.Root != dir || a.Config != filepath.Join(dir, ".kiln/config.yaml") || a.Dockerfile != filepath.Join(dir, "apps/a/Dockerfile") {
		t.Errorf("app a = %+v", a)
	}
	want := []AppTest{
		{File: filepath.Join(dir, "apps/a/kiln_test.yaml"), Snapshot: filepath.Join(dir, "apps/a/__snapshot__/kiln_test.yaml.snap")},
		{File: filepath.Join(dir, "apps/a/smoke.kiln_test.yaml")},
	}
	if !reflect.DeepEqual(a.Tests, want) {
		t.Errorf("tests of a = %+v, want %+v", a.Tests, want)
	}
	b, _ := r.App(filepath.Join(dir, "apps/b/kiln.jsonnet"))
	if b.Dockerfile != "" || len(b.Tests) != 1 || b.Tests[0].File != filepath.Join(dir, "apps/b/kiln_test.cue") || b.Tests[0].Snapshot != "" {
		t.Errorf("app b = %+v", b)
	}
	// The nearest configuration governs.
	svc, _ := r.App(filepath.Join(dir, "team-b/svc/kiln.cue"))
	if svc.Config != filepath.Join(dir, "team-b/.kiln/config.yaml") || svc.Root != dir {
		t.Errorf("app svc = %+v", svc)
	}
	// Plain YAML that kiln lint reads: not charts, kustomizations, kiln's
	// build output beside an app, .kiln, tests or definitions.
	if got, want := rel(t, dir, r.Manifests), []string{"deploy/service.yaml", "policies/data.yaml"}; !slices.Equal(got, want) {
		t.Errorf("Manifests = %v, want %v", got, want)
	}
	kinds := map[string]string{}
	for _, f := range r.Files {
		kinds[rel(t, dir, []string{f.Name})[0]] = f.Kind.String() + " " + strings.Join(rel(t, dir, slices.DeleteFunc([]string{f.App}, func(s string) bool { return s == "" })), "")
	}
	wantKinds := map[string]string{
		".git/HEAD":         "", // never walked
		".kiln/config.yaml": "config ", "team-b/.kiln/config.yaml": "config ",
		"apps/a/kiln.yaml": "definition apps/a/kiln.yaml", "apps/a/Dockerfile": "Dockerfile apps/a/kiln.yaml",
		"apps/a/kiln_test.yaml": "test apps/a/kiln.yaml", "apps/a/smoke.kiln_test.yaml": "test apps/a/kiln.yaml",
		"apps/a/__snapshot__/kiln_test.yaml.snap": "snapshot apps/a/kiln.yaml",
		"apps/a/build/deployment.yaml":            "other ",
		"apps/b/kiln.jsonnet":                     "definition apps/b/kiln.jsonnet", "apps/b/kiln_test.cue": "test apps/b/kiln.jsonnet",
		"apps/b/lib.libsonnet": "other ",
		"team-b/svc/kiln.cue":  "definition team-b/svc/kiln.cue", "team-b/svc/README.md": "other ",
		"policies/team.rego": "policy ", "policies/data.yaml": "policy data ",
		"deploy/service.yaml": "other ", "deploy/chart/Chart.yaml": "other ", "deploy/chart/templates/x.yaml": "other ",
		"deploy/kust/kustomization.yaml": "other ", "deploy/kust/base.yaml": "other ",
		"vendor/v/kiln.yaml": "", "node_modules/m/kiln.yaml": "", "x/.git/kiln.yaml": "",
	}
	for name, want := range wantKinds {
		got, seen := kinds[name]
		if want == "" && seen {
			t.Errorf("%s was seen; its directory is skipped", name)
		}
		if want != "" && got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if len(kinds) != len(wantKinds)-4 {
		t.Errorf("files = %v", kinds)
	}
	if f, ok := r.File(filepath.Join(dir, "apps/a/kiln_test.yaml")); !ok || f.Kind != Test || f.App != filepath.Join(dir, "apps/a/kiln.yaml") {
		t.Errorf("File(test) = %+v, %v", f, ok)
	}
	if !Policy.EveryApp() || !PolicyData.EveryApp() || !Config.EveryApp() || Test.EveryApp() {
		t.Error("EveryApp is wrong")
	}

	// What a changed file selects, by any spelling of its name (relative
	// ones to the working directory of the scan).
	t.Chdir(filepath.Join(dir, "apps"))
	if r, err = Scan(repofile.Disk(dir), ".."); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"a/__snapshot__/kiln_test.yaml.snap":      "../apps/a/kiln.yaml",
		"./a/Dockerfile":                          "../apps/a/kiln.yaml",
		"b/kiln_test.cue":                         "../apps/b/kiln.jsonnet",
		filepath.Join(dir, "team-b/svc/kiln.cue"): "../team-b/svc/kiln.cue",
		"../policies/data.yaml":                   "every",
		"../team-b/.kiln/config.yaml":             "every",
		"b/lib.libsonnet":                         "",
		"../deploy/service.yaml":                  "",
		"../vendor/v/kiln.yaml":                   "",
	} {
		apps, every := r.Selects(name)
		got := strings.Join(apps, " ") // as the scan spelt them
		if every {
			got = "every"
			if len(apps) != 3 {
				t.Errorf("%s selects every app, but names %v", name, apps)
			}
		}
		if got != want {
			t.Errorf("Selects(%s) = %q, want %q", name, got, want)
		}
	}
}

// Each app's configuration is the one config.Find finds from it, and its
// root the one RepoRoot says.
func TestScanAgreesWithConfigFindAndRepoRoot(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir,
		"outer/.kiln/config.yaml", "outer/loose/kiln.yaml", // no repository: the configuration above still governs
		"outer/repo/.git/", "outer/repo/a/kiln.yaml", // a repository without a configuration: not the one outside it
		"outer/repo/nested/.kiln/config.yaml", "outer/repo/nested/deep/er/kiln.yaml",
		"outer/repo/root/.kiln/config.yaml", "outer/repo/root/.git", "outer/repo/root/kiln.yaml")
	// A configuration directory linked from elsewhere, which a walk does
	// not enter.
	tree(t, dir, "shared/config.yaml", "outer/linked/.git/", "outer/linked/app/kiln.yaml")
	os.Symlink("../../shared", filepath.Join(dir, "outer/linked/.kiln"))
	t.Chdir(dir)
	r, err := Scan(repofile.Disk(""), "outer")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := r.App("outer/linked/app/kiln.yaml"); a == nil || a.Config != filepath.Join(dir, "outer/linked/.kiln/config.yaml") {
		t.Errorf("app under a linked .kiln: %+v", a)
	}
	if len(r.Apps) != 5 {
		t.Fatalf("apps = %v", r.Definitions())
	}
	for _, a := range r.Apps {
		want, ok := config.Find(a.Dir)
		if !ok {
			want = ""
		}
		if a.Config != want {
			t.Errorf("%s: config %q, config.Find says %q", a.Definition, a.Config, want)
		}
		if got := RepoRoot(a.Definition); a.Root != got {
			t.Errorf("%s: root %q, RepoRoot says %q", a.Definition, a.Root, got)
		}
	}
	if r.Root != "" {
		t.Errorf("Root of a tree in no repository = %q", r.Root)
	}
	if ConfigName != filepath.ToSlash(config.Name) {
		t.Errorf("ConfigName %q, config.Name %q", ConfigName, config.Name)
	}
	// Scanned from inside, the repository's root is above the path.
	if r, _ := Scan(repofile.Disk(""), "outer/repo/nested"); r.Root != filepath.Join(dir, "outer/repo") {
		t.Errorf("Root of outer/repo/nested = %q", r.Root)
	}
	if got := RootOf(repofile.Disk(""), "outer/repo/nested/deep"); got != filepath.Join(dir, "outer/repo") {
		t.Errorf("RootOf = %q", got)
	}
}

// A definition named on the command line is an app whatever its name,
// with the Dockerfile, tests and snapshots beside it; names stay as given.
func TestScanFile(t *testing.T) {
	dir := repo(t)
	t.Chdir(dir)
	r, err := Scan(repofile.Disk(""), "apps/a/kiln.yaml", "apps/b/lib.libsonnet", "apps/a/kiln.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Definitions(), []string{"apps/a/kiln.yaml", "apps/b/lib.libsonnet"}; !slices.Equal(got, want) {
		t.Errorf("apps = %v, want %v", got, want)
	}
	a := r.Apps[0]
	if a.Dockerfile != "apps/a/Dockerfile" || len(a.Tests) != 2 || a.Tests[0].Snapshot != "apps/a/__snapshot__/kiln_test.yaml.snap" || a.Tests[1].Snapshot != "" || a.Root != dir {
		t.Errorf("app = %+v", a)
	}
	if len(r.Manifests) != 0 {
		t.Errorf("a file's siblings are no manifests: %v", r.Manifests)
	}
	if f, _ := r.File("apps/b/lib.libsonnet"); f.Kind != Definition {
		t.Errorf("a file given is a definition: %+v", f)
	}
	// A test or snapshot named on its own finds its app without a scan.
	for name, want := range map[string]string{
		"apps/a/smoke.kiln_test.yaml":             "apps/a/kiln.yaml",
		"apps/a/__snapshot__/kiln_test.yaml.snap": "apps/a/kiln.yaml",
		"apps/b/lib.libsonnet":                    "apps/b/kiln.jsonnet",
		"deploy/service.yaml":                     "",
	} {
		if got := AppBeside(repofile.Disk(""), name); got != want {
			t.Errorf("AppBeside(%s) = %q, want %q", name, got, want)
		}
	}
	buffered := repofile.Overlay(repofile.Disk(""), map[string][]byte{filepath.Join(dir, "deploy/kiln.yaml"): nil})
	if got := AppBeside(buffered, "deploy/Dockerfile"); got != "deploy/kiln.yaml" {
		t.Errorf("AppBeside(an unsaved definition's Dockerfile) = %q", got)
	}
	if _, err := Scan(repofile.Disk(""), "apps/none"); err == nil || !strings.Contains(err.Error(), "apps/none: no such file or directory") {
		t.Errorf("Scan(missing) = %v", err)
	}
}

// A directory without apps is Find's error, with the repository still
// returned for its manifests.
func TestScanNoApps(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, "a/service.yaml", "vendor/kiln.yaml")
	r, err := Scan(repofile.Disk(""), dir)
	if !errors.Is(err, ErrNoApps) || err.Error() != fmt.Sprintf("no kiln app definitions under %s (looked for kiln.yaml, kiln.yml, kiln.json, kiln.cue, kiln.jsonnet)", dir) {
		t.Errorf("Scan(no apps) = %v", err)
	}
	if r == nil || len(r.Manifests) != 1 {
		t.Fatalf("repository of a directory without apps = %+v", r)
	}
	if got, err := Manifests(dir); err != nil || !slices.Equal(got, r.Manifests) {
		t.Errorf("Manifests = %v, %v", got, err)
	}
}

// Through an overlay, a buffer not yet saved is an app, a test, a
// manifest; one that hides a file on disk is what the scan sees.
func TestScanOverlay(t *testing.T) {
	dir := repo(t)
	src := repofile.Overlay(repofile.Disk(dir), map[string][]byte{
		filepath.Join(dir, "apps/new/kiln.yaml"):         []byte("metadata: {name: new}\n"),
		filepath.Join(dir, "apps/b/more.kiln_test.yaml"): []byte("tests: []\n"),
		filepath.Join(dir, "deploy/extra.yaml"):          []byte("kind: Service\n"),
	})
	os.MkdirAll(filepath.Join(dir, "apps/new"), 0o755) // the editor's folder exists, the file not yet
	r, err := Scan(src, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rel(t, dir, r.Definitions()), []string{"apps/a/kiln.yaml", "apps/b/kiln.jsonnet", "apps/new/kiln.yaml", "team-b/svc/kiln.cue"}; !slices.Equal(got, want) {
		t.Errorf("apps = %v, want %v", got, want)
	}
	b, _ := r.App(filepath.Join(dir, "apps/b/kiln.jsonnet"))
	if got := len(b.Tests); got != 2 || b.Tests[1].File != filepath.Join(dir, "apps/b/more.kiln_test.yaml") {
		t.Errorf("tests of b = %+v", b.Tests)
	}
	if !slices.Contains(r.Manifests, filepath.Join(dir, "deploy/extra.yaml")) {
		t.Errorf("Manifests = %v", r.Manifests)
	}
}

// Two scans of one tree are equal, whatever order the files were made
// in; Find agrees with Scan.
func TestScanDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	files := []string{"z/kiln.yaml", "a/kiln.yaml", "m/n/kiln.cue", "m/kiln_test.yaml", "m/kiln.yml", "m/Dockerfile", "k.yaml"}
	tree(t, a, files...)
	slices.Reverse(files)
	tree(t, b, files...)
	ra, err := Scan(repofile.Disk(""), a)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := Scan(repofile.Disk(""), b)
	for _, r := range []*Repository{ra, rb} {
		r.files, r.apps = nil, nil
	}
	strip := func(r *Repository, dir string) string {
		return strings.ReplaceAll(fmt.Sprintf("%+v", *r), dir, "ROOT")
	}
	if strip(ra, a) != strip(rb, b) {
		t.Errorf("scans differ:\n%s\n%s", strip(ra, a), strip(rb, b))
	}
	if got, want := rel(t, a, ra.Definitions()), []string{"a/kiln.yaml", "m/kiln.yml", "m/n/kiln.cue", "z/kiln.yaml"}; !slices.Equal(got, want) {
		t.Errorf("apps = %v, want %v", got, want)
	}
	found, _ := Find([]string{a})
	if !slices.Equal(found, ra.Definitions()) {
		t.Errorf("Find = %v, Scan = %v", found, ra.Definitions())
	}
}

// BenchmarkScan scans a repository of 1000 apps, each with a test, half
// with a Dockerfile and a snapshot, under a configuration.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	tree(b, dir, ".git/HEAD", ".kiln/config.yaml", "policies/a.rego", "policies/data.yaml")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		app := filepath.Join(dir, "apps", fmt.Sprintf("team-%d", i%20), fmt.Sprintf("app-%d", i))
		os.MkdirAll(filepath.Join(app, "__snapshot__"), 0o755)
		os.WriteFile(filepath.Join(app, "kiln.yaml"), []byte(appgen.Random(r, i)), 0o644)
		os.WriteFile(filepath.Join(app, "kiln_test.yaml"), []byte("tests: []\n"), 0o644)
		if i%2 == 0 {
			os.WriteFile(filepath.Join(app, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
			os.WriteFile(filepath.Join(app, "__snapshot__", "kiln_test.yaml.snap"), nil, 0o644)
		}
	}
	src := repofile.Disk(dir)
	b.ResetTimer()
	for b.Loop() {
		r, err := Scan(src, dir)
		if err != nil || len(r.Apps) != 1000 {
			b.Fatal(err)
		}
	}
}
