package dockerfile_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/opencontainers/go-digest"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// checked loads and checks a definition, so that the app has every
// default a real one has.
func checked(t *testing.T, name string, src []byte) *app.App {
	t.Helper()
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := load.Load(source.NewFile(name, src), load.Options{Root: filepath.Dir(name)})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	a, ds := check.Check(doc, s)
	if ds.HasErrors() {
		t.Fatalf("%s: %v", name, ds)
	}
	return a
}

// frontend runs a Dockerfile through BuildKit's Dockerfile frontend, as
// docker build does before it runs anything: every lint check (the
// experimental ones too) must pass, and the conversion to LLB, BuildKit's
// build graph, must succeed. It returns the image configuration the
// frontend computed: what a container runtime reads the user and ports
// from. Base images are not resolved (no registry is asked), so the
// configuration holds what the Dockerfile itself sets.
func frontend(t *testing.T, dt []byte) *dockerfile2llb.Result {
	t.Helper()
	ctx := context.Background()
	cfg := dockerui.Config{LinterConfig: &linter.Config{ExperimentalAll: true}}
	base := offline{}
	src := llb.Local("dockerfile")
	sm := llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", dt)
	def, err := src.Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sm.Definition = def
	lint, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{Config: cfg, SourceMap: sm, MetaResolver: base})
	if err != nil {
		t.Fatalf("lint: %v\n%s", err, dt)
	}
	if lint.Error != nil {
		t.Errorf("BuildKit refuses the Dockerfile: %s (line %v)\n%s", lint.Error.Message, lint.Error.Location.Ranges, dt)
	}
	for _, w := range lint.Warnings {
		t.Errorf("BuildKit's check %s: %s (%v)\n%s", w.RuleName, w.Detail, w.Location.Ranges, dt)
	}
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, dockerfile2llb.ConvertOpt{Config: cfg, MetaResolver: base})
	if err != nil {
		t.Fatalf("BuildKit cannot convert the Dockerfile to LLB: %v\n%s", err, dt)
	}
	if _, err := res.State.Marshal(ctx); err != nil {
		t.Fatalf("marshalling the LLB: %v", err)
	}
	return res
}

// offline answers BuildKit's questions about base images without a
// registry: each is an empty Linux image of this machine's architecture.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := fmt.Sprintf(`{"architecture":%q,"os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`, runtime.GOARCH)
	return ref, digest.FromString(cfg), []byte(cfg), nil
}

// TestDockerfilesBuildSkeletonProjects gives each language's Dockerfile to
// BuildKit's frontend with a real skeleton project of that language
// (testdata/skeleton/LANG: what docs/dockerfile.md says each language
// expects), then checks that every file the build context must provide is
// there once Dockerfile.dockerignore has filtered the context.
func TestDockerfilesBuildSkeletonProjects(t *testing.T) {
	for _, lang := range dockerfile.Languages {
		t.Run(lang, func(t *testing.T) {
			dir := filepath.Join("testdata", "skeleton", lang)
			src, err := os.ReadFile(filepath.Join(dir, "kiln.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			a := checked(t, filepath.Join(dir, "kiln.yaml"), src)
			dt, err := dockerfile.Generate(a)
			if err != nil {
				t.Fatal(err)
			}
			res := frontend(t, dt)
			if got := res.Image.Config.User; got != "65532:65532" {
				t.Errorf("image user %q, want 65532:65532", got)
			}
			if _, ok := res.Image.Config.ExposedPorts["8080/tcp"]; !ok {
				t.Errorf("image exposes %v, want 8080/tcp", res.Image.Config.ExposedPorts)
			}
			for _, img := range dockerfile.Images(lang, dockerfile.Defaults[lang]) {
				if !bytes.Contains(dt, []byte("FROM "+img)) {
					t.Errorf("the Dockerfile does not start a stage FROM %s:\n%s", img, dt)
				}
			}
			contextHas(t, dir, dt, dockerfile.Ignore(a))
		})
	}
}

// contextHas checks that every source a COPY takes from the build context
// (not from another stage) matches a file of dir that the ignore file
// leaves in. A wildcard may match nothing, as BuildKit allows (go.sum*).
func contextHas(t *testing.T, dir string, dt, ignore []byte) {
	t.Helper()
	patterns, err := ignorefile.ReadAll(bytes.NewReader(ignore))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	var files []string // slash paths relative to dir, the context
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if ignored, _ := pm.MatchesOrParentMatches(rel); !ignored && rel != "kiln.yaml" {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stages {
		for _, cmd := range st.Commands {
			c, ok := cmd.(*instructions.CopyCommand)
			if !ok || c.From != "" {
				continue
			}
			for _, src := range c.SourcePaths {
				if strings.ContainsAny(src, "*?[") {
					continue
				}
				clean := strings.TrimPrefix(filepath.ToSlash(filepath.Clean(src)), "./")
				if !slices.ContainsFunc(files, func(f string) bool {
					return clean == "." || f == clean || strings.HasPrefix(f, clean+"/")
				}) {
					t.Errorf("COPY %s: the skeleton project's context has no such file (context: %v)", src, files)
				}
			}
		}
	}
}

// The ignore file keeps out what a developer's machine leaves behind and
// the build must not see: node_modules would overwrite the image's own,
// a stale jar in target/ is not the one Maven builds now.
func TestDockerignoreKeepsOutLocalLeftovers(t *testing.T) {
	for lang, paths := range map[string][]string{
		"node":   {"node_modules/x/index.js", "packages/web/node_modules/y.js", ".git/HEAD"},
		"java":   {"target/old.jar", "hello/target/hello-1.0.0.jar", ".git/HEAD"},
		"python": {"pkg/__pycache__/m.cpython-314.pyc", ".venv/bin/python", ".git/HEAD"},
		"go":     {".git/HEAD"},
		"static": {".git/HEAD"},
	} {
		a := &app.App{Metadata: app.Metadata{Name: "a"}, Spec: app.Spec{Build: &app.Build{Language: lang}}}
		patterns, err := ignorefile.ReadAll(bytes.NewReader(dockerfile.Ignore(a)))
		if err != nil {
			t.Fatal(err)
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if ok, _ := pm.MatchesOrParentMatches(p); !ok {
				t.Errorf("%s: Dockerfile.dockerignore lets %s into the context", lang, p)
			}
		}
		for _, p := range []string{"main.go", "src/server.js", "package.json", "app.py", "pom.xml", "public/index.html"} {
			if ok, _ := pm.MatchesOrParentMatches(p); ok {
				t.Errorf("%s: Dockerfile.dockerignore keeps %s out", lang, p)
			}
		}
	}
}

// build.version may be left out: schemas/app.cue's #BuildVersions gives
// each language the version Defaults says (and kiln explain shows).
func TestDefaultVersionsMatchTheSchema(t *testing.T) {
	for _, lang := range dockerfile.Languages {
		src := "apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata: {name: a, owner: t}\nspec:\n  image: r.example.com/a:1\n  port: 8080\n  build: {language: " + lang + "}\n"
		a := checked(t, "a/kiln.yaml", []byte(src))
		if got := a.Spec.Build.Version; got != dockerfile.Defaults[lang] {
			t.Errorf("%s: the schema's default version is %q, Defaults says %q", lang, got, dockerfile.Defaults[lang])
		}
		pinned := checked(t, "a/kiln.yaml", []byte(src[:len(src)-2]+", version: \"3.1\"}\n"))
		if got := pinned.Spec.Build.Version; got != "3.1" {
			t.Errorf("%s: version 3.1 became %q", lang, got)
		}
	}
}

// docs/dockerfile.md's table of versions says what Defaults and Images do.
func TestVersionTableDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/dockerfile.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range dockerfile.Languages {
		v := dockerfile.Defaults[lang]
		row := "| " + lang + " | `" + v + "` | `" + strings.Join(dockerfile.Images(lang, v), "`, `") + "` |"
		if !strings.Contains(string(doc), row+"\n") {
			t.Errorf("docs/dockerfile.md lacks the row\n%s", row)
		}
	}
}
