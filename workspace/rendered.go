package workspace

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/appdiff"
	"github.com/kilnhq/kiln/compiler/diag"
)

// Rendered is one side of kiln diff: the rendered manifests of the apps
// that built, and what kept the others from building.
type Rendered struct {
	Apps []appdiff.App
	// Failed are the definitions (from the repository's top, slash-
	// separated) that could not be built, and Diagnostics why: every
	// error that made an input unusable, an app's or the configuration's.
	Failed      []string
	Diagnostics diag.List
}

// Rendered builds the apps under paths as Build does and keeps each
// one's rendered manifests (rendered/<env>.yaml) by environment, naming
// definitions from root, the repository's top. Findings about objects
// that did build (what kiln check judges) are not its concern.
func (w *Workspace) Rendered(ctx context.Context, root string, paths []string, o BuildOptions) (*Rendered, error) {
	o.Results = false
	r, err := w.Build(ctx, paths, o)
	if err != nil {
		return nil, err
	}
	out := &Rendered{}
	bad := map[string]bool{}
	for _, d := range r.Diagnostics {
		if d.Unchecked() && d.Waived == "" {
			out.Diagnostics = append(out.Diagnostics, d)
			if d.Pos.File != nil {
				bad[d.Pos.File.Name] = true
			}
		}
	}
	for _, a := range r.Apps {
		def := fromRoot(root, a.Definition)
		if !a.Built || bad[a.Definition] || a.Dockerfile != "" && bad[a.Dockerfile] {
			out.Failed = append(out.Failed, def)
			continue
		}
		app := appdiff.App{Name: a.Name, Definition: def, Envs: map[string][]byte{}}
		for name, data := range a.Files {
			if env, ok := renderedEnv(name); ok {
				app.Envs[env] = data
			}
		}
		out.Apps = append(out.Apps, app)
	}
	slices.Sort(out.Failed)
	return out, nil
}

// renderedEnv names the environment of an output file
// rendered/<env>.yaml (not rendered/secrets/...).
func renderedEnv(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "rendered/")
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return strings.CutSuffix(rest, ".yaml")
}

// fromRoot names a file from root, slash-separated; as given when it is
// outside.
func fromRoot(root, name string) string {
	abs, err := filepath.Abs(name)
	if err != nil {
		return filepath.ToSlash(name)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(name)
	}
	return filepath.ToSlash(rel)
}
