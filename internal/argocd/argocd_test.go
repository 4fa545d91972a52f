package argocd_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/internal/argocd"
)

func ptr(s string) *string { return &s }

// TestEnviron checks the environment against Argo CD's documentation of
// it (docs/operator-manual/config-management-plugins.md, "Using
// environment variables in your plugin", and build-environment.md).
func TestEnviron(t *testing.T) {
	s := argocd.Source{
		AppName: "guestbook", Namespace: "argocd", Project: "default",
		RepoURL: "https://github.com/argoproj/argocd-example-apps.git", Path: "guestbook", TargetRevision: "HEAD",
		Revision: "0123456789abcdef", KubeVersion: "v1.35.2", APIVersions: []string{"v1", "apps/v1"},
		Plugin: &argocd.PluginSource{
			Env: []argocd.EnvVar{{"FOO", "bar"}, {"REV", "test-$ARGOCD_APP_REVISION"}, {"COST", "$$5 ${NOWHERE}"}},
			Parameters: []argocd.Parameter{
				{Name: "some-string-param", String: ptr("some-string-value")},
				{Name: "some-array-param", Array: []string{"item1", "item2"}},
				{Name: "some-map-param", Map: map[string]string{"image.tag": "v1.2.3"}},
			},
		},
	}
	got := argocd.Environ([]string{"PATH=/usr/bin"}, s)
	want := []string{
		"PATH=/usr/bin",
		"ARGOCD_APP_NAME=guestbook",
		"ARGOCD_APP_NAMESPACE=argocd",
		"ARGOCD_APP_PROJECT_NAME=default",
		"ARGOCD_APP_REVISION=0123456789abcdef",
		"ARGOCD_APP_REVISION_SHORT=0123456",
		"ARGOCD_APP_REVISION_SHORT_8=01234567",
		"ARGOCD_APP_SOURCE_REPO_URL=https://github.com/argoproj/argocd-example-apps.git",
		"ARGOCD_APP_SOURCE_PATH=guestbook",
		"ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD",
		"KUBE_VERSION=1.35.2",
		"KUBE_API_VERSIONS=v1,apps/v1",
		"ARGOCD_ENV_FOO=bar",
		"ARGOCD_ENV_REV=test-0123456789abcdef",
		"ARGOCD_ENV_COST=$5 ",
		`ARGOCD_APP_PARAMETERS=[{"name":"some-string-param","string":"some-string-value"},{"array":["item1","item2"],"name":"some-array-param"},{"map":{"image.tag":"v1.2.3"},"name":"some-map-param"}]`,
		"PARAM_SOME_STRING_PARAM=some-string-value",
		"PARAM_SOME_ARRAY_PARAM_0=item1",
		"PARAM_SOME_ARRAY_PARAM_1=item2",
		"PARAM_SOME_MAP_PARAM_IMAGE_TAG=v1.2.3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// No plugin section (a plugin found by discovery): no ARGOCD_ENV_,
	// no parameters at all. An empty one: parameters null.
	s.Plugin = nil
	if env := argocd.Environ(nil, s); slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "ARGOCD_APP_PARAMETERS=") }) {
		t.Errorf("without a plugin section: %v", env)
	}
	s.Plugin = &argocd.PluginSource{}
	if env := argocd.Environ(nil, s); !slices.Contains(env, "ARGOCD_APP_PARAMETERS=null") {
		t.Errorf("with plugin: {}: %v", env)
	}
}

func TestParseManifests(t *testing.T) {
	for _, c := range []struct {
		name, out string
		want      []string // kind/name of each object
		err       string
	}{
		{"yaml stream with empty and null documents", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\nnull\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
			[]string{"ConfigMap/a", "Service/b"}, ""},
		{"json objects one after another", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}` + "\n" + `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}`,
			[]string{"ConfigMap/a", "Secret/b"}, ""},
		{"a list is its items", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
			[]string{"ConfigMap/a", "ConfigMap/b"}, ""},
		{"a list with null items is nothing", "apiVersion: v1\nkind: ConfigMapList\nitems: null\n", nil, ""},
		{"nothing", "", nil, ""},
		{"a document without a kind", "apiVersion: v1\nmetadata: {name: a}\n", nil, "Object 'Kind' is missing"},
		{"a log line", "kiln: 1 app built: 0 errors\n", nil, "failed to unmarshal manifest"},
		{"not yaml", "a: [b\n", nil, "failed to unmarshal manifest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs, err := argocd.ParseManifests(c.out)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestLoadPlugin(t *testing.T) {
	p, err := argocd.LoadPlugin("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "kiln-v1" {
		t.Errorf("name %q", p.Name())
	}
	dir := t.TempDir()
	for name, c := range map[string]struct{ yaml, err string }{
		"misspelt field": {"apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata: {name: x}\nspec:\n  generate: {command: [x]}\n  discover: {fileNmae: kiln.yaml}\n", `unknown field "fileNmae"`},
		"no generate":    {"apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata: {name: x}\nspec:\n  init: {command: [x]}\n", "spec.generate command should be non-empty"},
		"wrong kind":     {"apiVersion: argoproj.io/v1alpha1\nkind: Plugin\nmetadata: {name: x}\nspec:\n  generate: {command: [x]}\n", "kind should be ConfigManagementPlugin"},
		"no name":        {"apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nspec:\n  generate: {command: [x]}\n", "metadata.name should be non-empty"},
	} {
		path := filepath.Join(dir, "plugin.yaml")
		os.WriteFile(path, []byte(c.yaml), 0o644)
		if _, err := argocd.LoadPlugin(path); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one with %q", name, err, c.err)
		}
	}
}

// TestDiscovers: the plugin claims a directory with an app definition in
// any of kiln's formats, not one with only a test file or other YAML.
func TestDiscovers(t *testing.T) {
	p, err := argocd.LoadPlugin("../../deploy/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for files, want := range map[string]bool{
		"kiln.yaml": true, "kiln.yml": true, "kiln.json": true, "kiln.cue": true, "kiln.jsonnet": true,
		"kiln_test.yaml": false, "deployment.yaml kustomization.yaml": false, "": false,
	} {
		dir := t.TempDir()
		for _, f := range strings.Fields(files) {
			os.WriteFile(filepath.Join(dir, f), nil, 0o644)
		}
		if got, err := p.Discovers(dir); err != nil || got != want {
			t.Errorf("%q: discovers %v (%v), want %v", files, got, err, want)
		}
	}
}

// TestGenerate runs a plugin of shell commands to check what Generate
// gives them (a copy of the repository, the Application's directory as
// working directory, the environment) and what it reports.
func TestGenerate(t *testing.T) {
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "apps", "a"), 0o755)
	os.MkdirAll(filepath.Join(repo, ".git", "objects"), 0o755)
	os.WriteFile(filepath.Join(repo, ".git", "HEAD"), []byte("ref: main\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "apps", "a", "run.sh"), []byte("exit 0\n"), 0o755)
	plugin := func(script string) *argocd.Plugin {
		return &argocd.Plugin{Spec: argocd.PluginSpec{Generate: argocd.Command{Command: []string{"sh", "-c"}, Args: []string{script}}}}
	}
	src := argocd.Source{AppName: "a", Path: "apps/a", Plugin: &argocd.PluginSource{Env: []argocd.EnvVar{{"WHO", "$ARGOCD_APP_NAME"}}}}
	opts := argocd.Options{Repo: repo, System: []string{"PATH=" + os.Getenv("PATH")}, Exclude: []string{".git/*"}}

	script := `printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%s\n  annotations: {dir: "%s", mode: "%s", git: "%s"}\n' ` +
		`"$ARGOCD_ENV_WHO" "$ARGOCD_APP_SOURCE_PATH" "$(basename "$PWD")" "$(test -x run.sh && echo executable || echo plain)" "$(ls -A ../../.git | wc -l)"; echo note >&2`
	r, err := argocd.Generate(context.Background(), plugin(script), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Objects) != 1 || r.Objects[0].GetName() != "a-apps/a" {
		t.Fatalf("objects %v", r.Objects)
	}
	// The working directory is the app's; modes are not kept; .git/* is
	// left out but .git stays.
	if a := r.Objects[0].GetAnnotations(); a["dir"] != "a" || a["mode"] != "plain" || a["git"] != "0" {
		t.Errorf("annotations %v", a)
	}
	if r.Stderr != "note\n" || strings.HasSuffix(r.Stdout, "\n") {
		t.Errorf("stdout %q, stderr %q", r.Stdout, r.Stderr)
	}

	// A failing command is Argo CD's message, with its standard error.
	_, err = argocd.Generate(context.Background(), plugin("echo 'kiln.yaml:3:1: error: broken' >&2; exit 2"), src, opts)
	var ce *argocd.CmdError
	want := "`sh -c \"echo 'kiln.yaml:3:1: error: broken' >&2; exit 2\"` failed exit status 2: kiln.yaml:3:1: error: broken"
	if !errors.As(err, &ce) || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}

	// init runs first, in the same directory and environment; when it
	// fails, generate does not run.
	p := plugin(`printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"}}' "$(cat marker)"`)
	p.Spec.Init = argocd.Command{Command: []string{"sh", "-c", `printf '%s\n' "$ARGOCD_ENV_WHO" > marker`}}
	r, err = argocd.Generate(context.Background(), p, src, opts)
	if err != nil || len(r.Objects) != 1 || r.Objects[0].GetName() != "a" || !slices.Equal(r.Changed, []string{"apps/a/marker"}) {
		t.Errorf("init then generate: %q (%v)", r.Stdout, err)
	}
	p.Spec.Init = argocd.Command{Command: []string{"false"}}
	if _, err := argocd.Generate(context.Background(), p, src, opts); err == nil || !strings.HasPrefix(err.Error(), "`false` failed exit status 1") {
		t.Errorf("failing init: %v", err)
	}

	// Writes into the copy are reported; the repository is untouched.
	r, err = argocd.Generate(context.Background(), plugin("touch made && rm run.sh"), src, opts)
	if err != nil || !slices.Equal(r.Changed, []string{"apps/a/made", "apps/a/run.sh"}) {
		t.Errorf("changed %v (%v)", r.Changed, err)
	}
	if _, err := os.Stat(filepath.Join(repo, "apps", "a", "run.sh")); err != nil {
		t.Error(err)
	}
}

func TestReadDirectory(t *testing.T) {
	repo := t.TempDir()
	dir := filepath.Join(repo, "deploy", "a", "rendered")
	os.MkdirAll(filepath.Join(dir, "secrets"), 0o755)
	cm := func(name string) string { return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\n" }
	os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte(cm("p1")+"---\n"+cm("p2")), 0o644)
	os.WriteFile(filepath.Join(dir, "staging.yaml"), []byte(cm("s")), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not read"), 0o644)
	os.WriteFile(filepath.Join(dir, "secrets", "db.yaml"), []byte(cm("db")), 0o644)
	for _, c := range []struct {
		d     argocd.Directory
		files []string
		objs  int
	}{
		{argocd.Directory{}, []string{"prod.yaml", "staging.yaml"}, 3},
		{argocd.Directory{Include: "prod.yaml"}, []string{"prod.yaml"}, 2},
		{argocd.Directory{Recurse: true}, []string{"prod.yaml", "secrets/db.yaml", "staging.yaml"}, 4},
		// Without separators, * crosses directories.
		{argocd.Directory{Recurse: true, Include: "*db.yaml"}, []string{"secrets/db.yaml"}, 1},
		{argocd.Directory{Exclude: "staging.yaml"}, []string{"prod.yaml"}, 2},
	} {
		files, objs, err := argocd.ReadDirectory(repo, "deploy/a/rendered", c.d)
		if err != nil || !slices.Equal(files, c.files) || len(objs) != c.objs {
			t.Errorf("%+v: files %v, %d objects (%v); want %v, %d", c.d, files, len(objs), err, c.files, c.objs)
		}
	}
}
