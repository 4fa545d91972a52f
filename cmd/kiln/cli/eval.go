package cli

import (
	"cmp"
	"flag"
	"time"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/internal/sandbox"
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

// evalLimits is how one run evaluates definitions: in the process's
// sandbox, under these bounds. None of it is a cache input: a result cut
// short by a bound is never stored (load.Interrupted).
type evalLimits struct {
	sandbox *sandbox.Pool
	timeout time.Duration // 0: load's default
	memory  int64         // 0: load's default
}

// limits resolves the bounds of a run: a flag, else the configuration,
// else load's defaults.
func (e evalOptions) limits(env *Env, cfg *config.Config) evalLimits {
	return evalLimits{sandbox: env.Sandbox, timeout: e.evalTimeout, memory: e.evalMemory}.withConfig(cfg)
}

// withConfig fills the bounds l leaves at 0 from cfg's settings.
func (l evalLimits) withConfig(cfg *config.Config) evalLimits {
	if cfg != nil {
		l.timeout = cmp.Or(l.timeout, cfg.EvalTimeout)
		l.memory = cmp.Or(l.memory, cfg.EvalMemory)
	}
	return l
}

func (l evalLimits) loadOptions(o load.Options) load.Options {
	o.Sandbox, o.EvalTimeout, o.Memory = l.sandbox, l.timeout, l.memory
	return o
}

// setEval makes every input of a run evaluate under l.
func setEval(inputs []input, l evalLimits) {
	for i := range inputs {
		inputs[i].eval = l
	}
}
