package workspace

import (
	"fmt"
	"strings"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/emit"
)

// Outputs are the outputs the repository builds: the configuration's emit
// list, else kiln's default outputs. kiln build writes them when --emit
// is not given, kiln check builds, guards and compares them with the
// committed ones, and the editor shows them, so that the three agree on
// what an app produces.
func (w *Workspace) Outputs() (build.Artifacts, error) {
	cfg, err := w.Config()
	if err != nil {
		return build.Artifacts{}, err
	}
	if sel, ok := configuredOutputs(cfg); ok {
		return sel, nil
	}
	return emit.Default(), nil
}

// configuredOutputs is the configuration's emit list; ok is false when it
// has none. The names were checked when the configuration loaded
// (checkEmit).
func configuredOutputs(cfg *config.Config) (sel build.Artifacts, ok bool) {
	if cfg == nil || len(cfg.Emit) == 0 {
		return sel, false
	}
	for _, e := range cfg.Emit {
		if a, found := emit.Lookup(e.Value); found {
			a.Select(&sel)
		}
	}
	return sel, true
}

// checkEmit reports each name of the configuration's emit list that is no
// output, at its line, with the names there are.
func checkEmit(cfg *config.Config) diag.List {
	var ds diag.List
	for _, e := range cfg.Emit {
		if _, ok := emit.Lookup(e.Value); !ok {
			ds = append(ds, diag.Diagnostic{Pos: e.Pos, End: e.End, Severity: diag.Error, Code: "config/invalid", Kind: diag.Input,
				Message: fmt.Sprintf("emit names output %q, which kiln does not have (valid: %s)", e.Value, strings.Join(emit.Names(), ", "))})
		}
	}
	return ds
}

// emitsTeams reports whether the configuration's emit list names the
// team namespaces.
func emitsTeams(cfg *config.Config) bool {
	sel, ok := configuredOutputs(cfg)
	return ok && sel.Namespaces
}
