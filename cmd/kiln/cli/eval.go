package cli

import (
	"flag"
	"time"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/workspace"
)

// evalOptions are the flags that bound the evaluation of code a
// repository supplies; each overrides its setting in .kiln/config.yaml.
type evalOptions struct {
	evalTimeout   time.Duration
	evalMemory    int64
	policyTimeout time.Duration
	policyMemory  int64
}

func (e *evalOptions) register(fs *flag.FlagSet) {
	fs.DurationVar(&e.evalTimeout, "eval-timeout", 0, "bound on one Jsonnet or CUE evaluation (default evalTimeout in "+config.Name+", else 10s)")
	fs.Func("eval-memory", "memory one Jsonnet or CUE evaluation may hold, such as 1GiB (default evalMemory in "+config.Name+", else 512MiB)", func(s string) error {
		n, err := config.ParseBytes(s)
		e.evalMemory = n
		return err
	})
	fs.Func("policy-memory", "heap the guardrails' evaluations may add, such as 2GiB (default policyMemory in "+config.Name+", else 1GiB)", func(s string) error {
		n, err := config.ParseBytes(s)
		e.policyMemory = n
		return err
	})
	fs.DurationVar(&e.policyTimeout, "policy-timeout", 0, "bound on one evaluation of the guardrails (default policyTimeout in "+config.Name+", else 10s)")
}

// limits are the bounds the flags set; the workspace fills the others
// from the configuration, else load's defaults.
func (e evalOptions) limits() workspace.Limits {
	return workspace.Limits{EvalTimeout: e.evalTimeout, EvalMemory: e.evalMemory, PolicyTimeout: e.policyTimeout, PolicyMemory: e.policyMemory}
}
