package workspace

import (
	"bytes"
	"context"
	"errors"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// BuildDefinition builds one definition that is not (yet) written, def
// as if it were the file name, the way Build does with the workspace
// Options o (its Stdin and StdinName are def's), and returns the objects
// of its first environment, or the findings that kept it from building.
// kiln import proves its definitions with it.
func BuildDefinition(ctx context.Context, o Options, name string, def []byte) ([]map[string]any, diag.List) {
	o.Stdin, o.StdinName = bytes.NewReader(def), name
	w, err := Open(ctx, o)
	if err == nil {
		var r *BuildResult
		if r, err = w.Build(ctx, []string{"-"}, BuildOptions{Results: true, Emit: build.Artifacts{K8s: true}}); err == nil {
			if r.Diagnostics.HasErrors() || len(r.Apps) == 0 || r.Apps[0].Result == nil || len(r.Apps[0].Result.Envs) == 0 {
				return nil, r.Diagnostics
			}
			var objs []map[string]any
			for _, obj := range r.Apps[0].Result.Envs[0].Objects {
				objs = append(objs, obj.Content)
			}
			return objs, nil
		}
	}
	// A configuration that does not load says where it is wrong.
	var le *LoadError
	if errors.As(err, &le) && len(le.Diagnostics) > 0 {
		return nil, le.Diagnostics
	}
	f := source.NewFile(name, def)
	return nil, diag.List{{Pos: f.Pos(0), End: f.Pos(0), Severity: diag.Error, Code: "internal", Kind: diag.Internal, Message: err.Error()}}
}
