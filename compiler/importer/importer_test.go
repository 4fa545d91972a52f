package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/workspace"
)

// options imports with kiln build's own path, definitions named under out.
func options(t *testing.T, owner string) importer.Options {
	out := t.TempDir()
	o := workspace.Options{Dir: out, NoPolicy: true, Jobs: 1}
	return importer.Options{Owner: owner,
		Path: func(app string) string { return filepath.Join(out, app, "kiln.yaml") },
		Build: func(name string, def []byte) ([]map[string]any, diag.List) {
			return workspace.BuildDefinition(context.Background(), o, name, def)
		}}
}

// readDir reads the manifests of a fixture directory, sorted.
func readDir(t *testing.T, dir string) []*source.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	var files []*source.File
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, source.NewFile(n, data))
	}
	return files
}

func errorsOf(ds diag.List) string {
	var b strings.Builder
	for _, d := range ds {
		if d.Severity == diag.Error {
			line, col := d.Pos.LineCol()
			fmt.Fprintf(&b, "%s:%d:%d: %s [%s]\n", d.Pos.File.Name, line, col, d.Message, d.Code)
		}
	}
	return b.String()
}

// The real public manifests of testdata/fixtures (see its README):
// every app's round trip is proven, but for what the fixture is known
// to hold that kiln cannot carry, and the import is deterministic.
func TestFixtures(t *testing.T) {
	for _, tc := range []struct {
		dir string
		// dropped are the objects known not to be carried, and why:
		dropped []string
	}{
		// frontend-external is a second (LoadBalancer) Service of the
		// frontend; kiln emits one Service per app.
		{dir: "microservices-demo", dropped: []string{"Service/frontend-external"}},
		{dir: "podinfo"},
		{dir: "guestbook"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			files := readDir(t, filepath.Join("testdata/fixtures", tc.dir))
			r, ds := importer.Files(files, options(t, "team-platform"))
			if e := errorsOf(ds); e != "" || r == nil {
				t.Fatalf("import failed:\n%s", e)
			}
			var lost []string
			objects, clean, fields, patched, named := 0, 0, 0, 0, 0
			for _, a := range r.Apps {
				for _, c := range a.Lost {
					if c.Op == "removed" {
						lost = append(lost, c.Key.Kind+"/"+c.Key.Name)
						continue
					}
					for _, f := range c.Fields {
						lost = append(lost, fmt.Sprintf("%s/%s %s", c.Key.Kind, c.Key.Name, f.Path))
					}
				}
				objects += len(a.Objects)
				clean += len(a.Objects) - a.Patched
				named += len(a.Objects) - a.ValuePatched
				fields += a.Fields
				patched += a.PatchedFields
			}
			if !slices.Equal(lost, tc.dropped) {
				t.Errorf("lost %q, want %q", lost, tc.dropped)
			}
			if len(r.Dropped) != 0 {
				t.Errorf("%d objects not carried", len(r.Dropped))
			}
			t.Logf("%s: %d objects in %d apps; %d (%.0f%%) imported without patches, %d (%.0f%%) without patches to more than names, labels and selectors; of their %d values %.0f%% said by the model, %d in patches; round trip lost %d",
				tc.dir, r.Objects, len(r.Apps), clean, 100*float64(clean)/float64(r.Objects), named, 100*float64(named)/float64(r.Objects), fields, 100-100*float64(patched)/float64(fields), patched, len(lost))
			// The same input gives the same definitions, byte for byte.
			again, _ := importer.Files(readDir(t, filepath.Join("testdata/fixtures", tc.dir)), options(t, "team-platform"))
			for i, a := range r.Apps {
				if !bytes.Equal(a.Definition, again.Apps[i].Definition) {
					t.Errorf("app %s: the second import wrote another definition", a.Name)
				}
			}
		})
	}
}

// Every example kiln ships is a fixed point: its rendered objects,
// imported, build the same objects again (nothing lost, nothing added).
func TestExamplesFixedPoint(t *testing.T) {
	defs, err := filepath.Glob("../../examples/*/kiln.*")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../examples/*/*/kiln.*")
	defs = append(defs, more...)
	if len(defs) < 10 {
		t.Fatalf("examples: %v", defs)
	}
	ctx := context.Background()
	for _, def := range defs {
		t.Run(filepath.Base(filepath.Dir(def)), func(t *testing.T) {
			w, err := workspace.Open(ctx, workspace.Options{Dir: filepath.Dir(def), NoPolicy: true})
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.Build(ctx, []string{def}, workspace.BuildOptions{Results: true})
			if err != nil || len(b.Apps) != 1 || b.Apps[0].Result == nil {
				t.Fatalf("build: %v %v", err, b.Diagnostics)
			}
			res := b.Apps[0].Result
			env := res.Envs[0]
			var stream bytes.Buffer
			for _, o := range env.Objects {
				data, err := yaml.Marshal(o.Content)
				if err != nil {
					t.Fatal(err)
				}
				stream.WriteString("---\n")
				stream.Write(data)
			}
			f := source.NewFile(env.Name+".yaml", stream.Bytes())
			r, ds := importer.Files([]*source.File{f}, options(t, ""))
			if e := errorsOf(ds); e != "" || r == nil {
				t.Fatalf("import failed:\n%s\n%s", e, stream.Bytes())
			}
			if len(r.Apps) != 1 {
				t.Fatalf("%d apps imported, want 1", len(r.Apps))
			}
			a := r.Apps[0]
			var dropped []string
			for _, o := range r.Dropped {
				dropped = append(dropped, o.Key.Kind+"/"+o.Key.Name)
			}
			// dependsOn opens a NetworkPolicy in the callee's name, which
			// import does not infer back (it would name another app).
			want := map[string][]string{"storefront": {"NetworkPolicy/payments-from-storefront"}}[res.App.Metadata.Name]
			if len(a.Lost) > 0 || !slices.Equal(dropped, want) {
				t.Errorf("not a fixed point: lost %+v, dropped %q", a.Lost, dropped)
			}
			for _, c := range a.Additions {
				t.Errorf("the import adds %s %s %+v", c.Op, c.Key, c.Fields)
			}
			t.Logf("%s: %d objects, %d with patches", res.App.Metadata.Name, len(a.Objects), a.Patched)
		})
	}
}
