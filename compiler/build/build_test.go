package build_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	kiln "github.com/kilnhq/kiln/compiler/app"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the examples")

func validator(t testing.TB) *validate.Validator {
	v, err := validate.For("")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// buildFile loads, checks and builds one definition, failing on errors.
func buildFile(t testing.TB, name string, src []byte) (*build.Result, diag.List) {
	t.Helper()
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := load.Load(source.NewFile(name, src), load.Options{Root: filepath.Dir(name)})
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	res, ds := build.Build(doc, a, build.Options{Validator: validator(t), Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, SLO: true, Helm: true},
		Apps: exampleApps(t)})
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	return res, ds
}

// exampleApps finds the examples' apps by name, as a repository's are
// found for spec.dependsOn.
func exampleApps(t testing.TB) build.AppFinder {
	return func(name string) (*kiln.App, error) {
		for _, p := range examples(t) {
			src, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			doc, _ := load.Load(source.NewFile(p, src), load.Options{Root: filepath.Dir(p)})
			if doc == nil {
				continue
			}
			s, _ := schema.Load()
			if a, _ := check.Check(doc, s); a != nil && a.Metadata.Name == name {
				return a, nil
			}
		}
		return nil, nil
	}
}

// examples are the shipped examples' definitions: one per directory of
// examples/, or one per app of a directory that holds several (shop/).
func examples(t testing.TB) []string {
	paths, err := filepath.Glob("../../examples/*/kiln.*")
	more, err2 := filepath.Glob("../../examples/*/*/kiln.*")
	if err != nil || err2 != nil || len(paths) < 5 {
		t.Fatalf("examples: %v %v %v", paths, err, err2)
	}
	return append(paths, more...)
}

// TestGolden builds every example and compares every output file, for
// every environment, with testdata/golden/<example>/. Run `make golden` to
// rewrite them, then review the diff.
func TestGolden(t *testing.T) {
	for _, p := range examples(t) {
		example, _ := filepath.Rel("../../examples", filepath.Dir(p))
		example = filepath.ToSlash(example)
		t.Run(example, func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := buildFile(t, p, src)
			files, err := emit.Files(res)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "golden", example)
			if *update {
				if err := emit.WriteTree(dir, files); err != nil {
					t.Fatal(err)
				}
				return
			}
			var onDisk []string
			filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(dir, path)
					onDisk = append(onDisk, filepath.ToSlash(rel))
				}
				return nil
			})
			var made []string
			for name, data := range files {
				made = append(made, name)
				want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				if err != nil {
					t.Errorf("%s: not in the golden files (run make golden)", name)
					continue
				}
				if !bytes.Equal(data, want) {
					t.Errorf("%s differs from the golden file (run make golden and review the diff)", name)
				}
			}
			slices.Sort(made)
			slices.Sort(onDisk)
			if !slices.Equal(made, onDisk) {
				t.Errorf("files made %v, golden files %v", made, onDisk)
			}
		})
	}
}

// TestKustomizeOverlaysBuildTheRenderedObjects proves, with kustomize's own
// krusty API, that each emitted overlay builds exactly rendered/<env>.yaml.
func TestKustomizeOverlaysBuildTheRenderedObjects(t *testing.T) {
	for _, p := range examples(t) {
		src, _ := os.ReadFile(p)
		res, _ := buildFile(t, p, src)
		files, built := kustomizeOverlays(t, res)
		for _, env := range res.Envs {
			// The SOPS Secrets, rendered beside the objects, are among
			// the base's resources.
			rendered := files["rendered/"+env.Name+".yaml"]
			for _, s := range res.SOPS {
				rendered = append(append(rendered, "\n---\n"...), files["rendered/secrets/"+s.Name+".yaml"]...)
			}
			if g, w := canonical(t, built[env.Name]), canonical(t, rendered); g != w {
				t.Errorf("%s %s: kustomize build of the overlay differs from rendered/%s.yaml\n--- kustomize\n%s\n--- rendered\n%s", p, env.Name, env.Name, g, w)
			}
		}
	}
}

// kustomizeOverlays writes res's files into an in-memory tree and builds
// each environment's overlay there with kustomize's krusty API; it returns
// the files and each overlay's output by environment.
func kustomizeOverlays(t *testing.T, res *build.Result) (files map[string][]byte, built map[string][]byte) {
	t.Helper()
	files, err := emit.Files(res)
	if err != nil {
		t.Fatal(err)
	}
	fs := filesys.MakeFsInMemory()
	for name, data := range files {
		if err := fs.WriteFile("/app/"+name, data); err != nil {
			t.Fatal(err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	built = map[string][]byte{}
	for _, env := range res.Envs {
		m, err := k.Run(fs, "/app/overlays/"+env.Name)
		if err != nil {
			t.Fatalf("%s: kustomize build: %v", env.Name, err)
		}
		if built[env.Name], err = m.AsYaml(); err != nil {
			t.Fatal(err)
		}
	}
	return files, built
}

// canonical parses a YAML stream and re-renders its documents sorted, so
// that two streams compare as sets of objects.
func canonical(t *testing.T, stream []byte) string {
	var docs []string
	for _, d := range strings.Split(string(stream), "\n---\n") {
		var v any
		if err := yaml.Unmarshal([]byte(d), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := yaml.Marshal(v)
		docs = append(docs, string(b))
	}
	slices.Sort(docs)
	return strings.Join(docs, "---\n")
}

func TestDeterministic(t *testing.T) {
	src, _ := os.ReadFile("../../examples/reference/kiln.yaml")
	var first map[string][]byte
	for range 5 {
		res, _ := buildFile(t, "kiln.yaml", src)
		files, err := emit.Files(res)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = files
			continue
		}
		for name, data := range files {
			if !bytes.Equal(data, first[name]) {
				t.Fatalf("%s differs between two builds of the same input", name)
			}
		}
	}
}

// TestSourceMap asks where emitted values come from, per environment: an
// override's own line, the base line, a patch, or the closest written field
// for a default.
func TestSourceMap(t *testing.T) {
	src, _ := os.ReadFile("../../examples/reference/kiln.yaml")
	res, _ := buildFile(t, "kiln.yaml", src)
	envs := map[string]build.Env{}
	for _, e := range res.Envs {
		envs[e.Name] = e
	}
	const cpu = "spec.template.spec.containers[0].resources.requests.cpu"
	for _, tc := range []struct {
		env, object, field string
		line               int
		path               string
		isDefault          bool
	}{
		{"prod", "Deployment/checkout", cpu, 42, "spec.environments.prod.resources.cpu", false},
		{"staging", "Deployment/checkout", cpu, 21, "spec.resources.cpu", false},
		{"staging", "HorizontalPodAutoscaler/checkout", "spec.minReplicas", 40, "spec.environments.staging.scaling.min", false},
		{"prod", "Service/checkout", "spec.ports[0].targetPort", 15, "spec.port", false},
		{"prod", "Deployment/checkout", `spec.template.metadata.annotations["example.com/sidecar"]`, 45, "spec.patches[0].patch", false},
		{"prod", "Ingress/checkout", "spec.rules[0].http.paths[0].path", 37, "spec.ingress.path", false},
	} {
		loc, ok := envs[tc.env].Locate(tc.object, tc.field)
		line, _ := loc.Pos.LineCol()
		if !ok || line != tc.line || fieldpath.String(loc.Path) != tc.path || loc.Default != tc.isDefault {
			t.Errorf("%s %s %s: got line %d %s default=%v (ok=%v), want line %d %s", tc.env, tc.object, tc.field,
				line, fieldpath.String(loc.Path), loc.Default, ok, tc.line, tc.path)
		}
	}
	// A default points at the closest field the user wrote.
	min, _ := os.ReadFile("../../examples/minimal/kiln.yaml")
	res, _ = buildFile(t, "kiln.yaml", min)
	loc, ok := res.Envs[0].Locate("Deployment/hello", cpu)
	if line, _ := loc.Pos.LineCol(); !ok || !loc.Default || line != 8 {
		t.Errorf("default cpu: line %d default=%v ok=%v, want line 8 (spec:) as a default", line, loc.Default, ok)
	}
}

// TestConcurrentBuildsAgree builds the examples at the same time, as kiln
// build -j does, and requires the same files as one at a time. Run with
// -race, it also checks that the shared schema and validator are safe to
// share.
func TestConcurrentBuildsAgree(t *testing.T) {
	paths := examples(t)
	want := make([]map[string][]byte, len(paths))
	for i, p := range paths {
		src, _ := os.ReadFile(p)
		res, _ := buildFile(t, p, src)
		want[i], _ = emit.Files(res)
	}
	// The goroutines share the inputs (read before) but no *testing.T:
	// a failure is recorded and reported after they end.
	srcs := make([][]byte, len(paths))
	for i, p := range paths {
		srcs[i], _ = os.ReadFile(p)
	}
	s, _ := schema.Load()
	v := validator(t)
	apps := exampleApps(t)
	got := make([]map[string][]byte, len(paths)*4)
	failed := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := paths[i%len(paths)]
			doc, _ := load.Load(source.NewFile(p, srcs[i%len(paths)]), load.Options{Root: filepath.Dir(p)})
			a, _ := check.Check(doc, s)
			res, ds := build.Build(doc, a, build.Options{Validator: v, Emit: build.Artifacts{K8s: true, Dockerfile: true, Catalog: true, SLO: true, Helm: true}, Apps: apps})
			if ds.HasErrors() {
				failed[i] = fmt.Errorf("%s: %v", p, ds)
				return
			}
			got[i], failed[i] = emit.Files(res)
		}()
	}
	wg.Wait()
	for _, err := range failed {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, files := range got {
		w := want[i%len(paths)]
		for name, data := range w {
			if !bytes.Equal(files[name], data) {
				t.Errorf("%s %s: a concurrent build differs", paths[i%len(paths)], name)
			}
		}
	}
}
