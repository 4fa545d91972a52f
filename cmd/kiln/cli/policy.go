package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/report"
)

// policyOptions are the flags of the commands that run guardrails.
type policyOptions struct {
	policies   stringList
	data       stringList
	namespaces stringList
	allNS      bool
	config     string
	showWaived bool
	evalOptions
}

func (p *policyOptions) register(fs *flag.FlagSet) {
	fs.Var(&p.policies, "policy", "also run the Rego policies in DIR: kiln rules or conftest-style package main (repeatable)")
	fs.Var(&p.namespaces, "namespace", "run the conftest rules (deny, warn, violation) of this package of the policies, as conftest's --namespace: a name or a pattern such as k8s.* (repeatable; default main)")
	fs.BoolVar(&p.allNS, "all-namespaces", false, "run the conftest rules of every package of the policies, as conftest's --all-namespaces")
	fs.Var(&p.data, "data", "YAML or JSON data for the policies, mounted at data's root (repeatable)")
	fs.StringVar(&p.config, "config", "", "repository configuration (default: "+config.Name+" in the repository holding the first PATH)")
	fs.BoolVar(&p.showWaived, "show-waived", false, "also show the findings that waivers exempt")
	p.evalOptions.register(fs)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// couldNotStart reports what kept a run from starting (a broken
// configuration, a policy that does not compile) and returns exit 2.
func couldNotStart(env *Env, r *reportOptions, ds diag.List) int {
	var files []report.File
	seen := map[string]bool{}
	for _, d := range ds {
		if d.Pos.File != nil && !seen[d.Pos.File.Name] {
			seen[d.Pos.File.Name] = true
			files = append(files, report.File{Name: d.Pos.File.Name})
		}
	}
	r.incomplete = true
	if err := writeReport(env, r, files, ds); err != nil {
		fmt.Fprintf(env.Stderr, "kiln: writing the report: %v\n", err)
	}
	fmt.Fprintf(env.Stderr, "kiln: could not load the guardrails: %s\n", report.Plural(len(ds), "error"))
	return ExitBadInput
}
