package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

// workspaceOptions are the options of the workspace a command runs in:
// the repository holding the first path, with the flags' policies, data,
// namespaces and bounds, evaluating in the process's sandbox.
func (p *policyOptions) workspaceOptions(env *Env, args []string) workspace.Options {
	o := workspace.Options{Config: p.config, Policies: p.policies, Data: p.data, Namespaces: p.namespaces, AllNamespaces: p.allNS,
		Limits: p.evalOptions.limits(), Sandbox: env.Sandbox, Stdin: env.Stdin}
	o.Dir = firstPath(args)
	return o
}

// firstPath is the first argument that names a file or directory (not
// "-", standard input): the workspace is the repository holding it.
func firstPath(args []string) string {
	for _, a := range args {
		if a != "-" {
			return a
		}
	}
	return ""
}

// open opens the workspace o describes, saying why on stderr when it
// cannot.
func open(env *Env, cmd string, o workspace.Options) (*workspace.Workspace, bool) {
	w, err := workspace.Open(env.Ctx, o)
	if errors.Is(err, workspace.ErrKubeVersion) {
		fmt.Fprintf(env.Stderr, "kiln %s: --kube-version %s: kiln validates against %s\n", cmd, o.KubeVersion, strings.Join(kube.Versions(), ", "))
		return nil, false
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln %s: %v\n", cmd, err)
		return nil, false
	}
	return w, true
}

// failed reports what kept a run from finishing: the guardrails that
// did not load (positioned, in the report's format), or another error on
// stderr. Either is exit 2.
func failed(env *Env, cmd string, r *reportOptions, err error) int {
	var le *workspace.LoadError
	if errors.As(err, &le) {
		return couldNotStart(env, r, le.Diagnostics)
	}
	fmt.Fprintf(env.Stderr, "kiln %s: %v\n", cmd, err)
	return ExitBadInput
}

// withWaived adds the waived findings to the report when asked to show
// them; they never fail a run.
func withWaived(all, waived diag.List, show bool) diag.List {
	if !show {
		return all
	}
	return append(all, waived...).Sort()
}
