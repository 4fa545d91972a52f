package cli

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/schemas/kube"
	"github.com/kilnhq/kiln/workspace"
)

type lintOptions struct {
	reportOptions
	policyOptions
	jobs          int
	kubeVersion   string
	crds          stringList
	context       stringList
	env           string
	stdinFilename string
	manifestsOnly bool
	failIfNone    bool // exit 2 when --manifests-only leaves nothing, for CI
}

func init() {
	commands = append(commands, &command{
		name:  "lint",
		args:  "[flags] PATH...",
		short: "run the guardrails on apps and on plain Kubernetes YAML",
		long: `Lint runs the guardrails on kiln apps (compiling them, writing nothing) and
on plain Kubernetes YAML: manifests, multi-document files, a kubectl List
or typed list (PodList, ...), or standard input (-), such as helm
template's or kustomize build's output.

Each plain document is first validated strictly against the schema of its
kind for --kube-version; a custom resource needs its CRD (--crd FILE|DIR,
or crds in .kiln/config.yaml), read from disk: kiln never reaches the
network. Then the guardrails judge all the documents of a file together,
a document the schema rejects without the fields at fault; the pod rules
judge every kind that runs pods, and those .kiln/config.yaml declares
under workloads.
Every finding is at the line and column of the file it is about.

The plain documents of a run are judged as one inventory: a rule about an
object looks up what it refers to (the NetworkPolicy or PodDisruptionBudget
that selects a Deployment's pods, the Service an Ingress sends to, a
ServiceAccount) in every file the run lints, and in the manifests of
--context, which are read but not linted. Lint together what is applied
together. Each app is judged with the objects of one environment.

A directory is searched for app definitions and for YAML and JSON files
whose documents are Kubernetes objects; Helm charts, kustomize directories,
.kiln and kiln's own build/ output are skipped (lint their rendered output
instead). The last line says what was evaluated; a run that evaluated no
document or no rule is an error, never a pass. The exception is
--manifests-only, for hooks given every YAML file of a commit: when none
is an app or a manifest, lint says so and exits 0; with
--fail-if-no-objects-found, as CI wants, it exits 2.

Exit status: 0 clean, 1 findings at --fail-on (--fail-on none: never), 2
when an input or a policy could not be read.

Examples:

	kiln lint .
	helm template ./chart | kiln lint --env prod -
	kiln lint deploy/ --crd crds/ --format sarif > kiln.sarif`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &lintOptions{}
			o.reportOptions.register(fs)
			o.policyOptions.register(fs)
			fs.IntVar(&o.jobs, "j", runtime.GOMAXPROCS(0), "how many files to lint at once")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			fs.Var(&o.crds, "crd", "a CustomResourceDefinition file, or a directory of them, to validate custom resources with (repeatable)")
			fs.Var(&o.context, "context", "a file or directory of manifests the guardrails may refer to without linting them: a NetworkPolicy, Service or ServiceAccount applied with what is linted (repeatable)")
			fs.StringVar(&o.env, "env", "", "the environment plain YAML is for, which production rules look at")
			fs.StringVar(&o.stdinFilename, "stdin-filename", "stdin.yaml", "name of what - reads; kiln.yaml makes it an app definition")
			fs.BoolVar(&o.manifestsOnly, "manifests-only", false, "pass over named YAML and JSON files that are not Kubernetes objects, as directory walks do (for hooks that pass every YAML file)")
			fs.BoolVar(&o.failIfNone, "fail-if-no-objects-found", false, "exit 2, not 0, when --manifests-only leaves no app or manifest to lint (for CI)")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runLint(env, opts.(*lintOptions), args) },
	})
}

func runLint(env *Env, o *lintOptions, args []string) int {
	if !reportFlagsOK(env, "lint", &o.reportOptions) {
		return ExitBadInput
	}
	wo := o.policyOptions.workspaceOptions(env, args)
	wo.KubeVersion, wo.Jobs, wo.StdinName = o.kubeVersion, o.jobs, o.stdinFilename
	w, ok := open(env, "lint", wo)
	if !ok {
		return ExitBadInput
	}
	r, err := w.Lint(env.Ctx, args, workspace.LintOptions{Env: o.env, Context: o.context, CRDs: o.crds, ManifestsOnly: o.manifestsOnly})
	var crdErr *workspace.CRDError
	switch {
	case errors.As(err, &crdErr):
		o.incomplete = true
		if err := writeReport(env, &o.reportOptions, nil, crdErr.Diagnostics); err != nil {
			fmt.Fprintf(env.Stderr, "kiln lint: writing the report: %v\n", err)
		}
		fmt.Fprintf(env.Stderr, "kiln lint: could not read the CRDs: %s\n", report.Plural(len(crdErr.Diagnostics), "error"))
		return ExitBadInput
	case errors.Is(err, workspace.ErrNothingToLint):
		// Only with --manifests-only, as a hook given a commit's files:
		// none of them is an app or a manifest, so there is nothing to lint.
		msg := fmt.Sprintf("kiln lint: none of the %d files is an app definition or a Kubernetes manifest; nothing was checked", len(args))
		return nothingChecked(env, msg, o.failIfNone)
	case err != nil:
		return failed(env, "lint", &o.reportOptions, err)
	}
	if o.failOn == "" {
		o.failOn = w.FailOn()
	}
	o.rules, _ = w.Rules()
	all := withWaived(r.Diagnostics, r.Waived, o.showWaived)
	o.waived, o.incomplete = r.Waived, r.Incomplete
	if err := writeReport(env, &o.reportOptions, r.Files, all); err != nil {
		fmt.Fprintf(env.Stderr, "kiln lint: writing the report: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stderr, "kiln: %s linted: %s, %s\n", report.Plural(r.Targets, "file"), report.Plural(all.Count(diag.Error), "error"), report.Plural(all.Count(diag.Warning), "warning"))
	fmt.Fprintln(env.Stderr, r.Evaluated)
	return r.ExitCode(failOnLevel(o.failOn))
}
