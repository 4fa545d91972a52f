package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/schemas/kube"
)

type fixOptions struct {
	policyOptions
	dryRun      bool
	kubeVersion string
}

func init() {
	commands = append(commands, &command{
		name:  "fix",
		args:  "[flags] PATH...",
		short: "apply the fixes kiln knows to app definitions, keeping comments and layout",
		long: `Fix checks each app as kiln check does and applies the fixes that need no
decision: a misspelled field or value corrected to the one suggested,
scaling.min raised to what the SLA needs, resources written out. It edits
only the text it fixes, so comments, key order and formatting stay. Fixes
that need a value only a person knows (an image's version, a waiver's
reason) are offered by the editor's quick fixes, never applied here.

With --dry-run, fix writes nothing and prints the change as a diff.

Exit status: 0 when every definition is fixed or needed nothing, 1 with
--dry-run when a definition would change, 2 when a definition could not be
checked. As a pre-commit hook (kiln-fix), a changed file fails the commit
so the fix can be reviewed and staged.`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &fixOptions{}
			o.policyOptions.register(fs)
			fs.BoolVar(&o.dryRun, "dry-run", false, "print the fixes as a diff instead of writing them")
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version of the environments that name none (kubeVersion, .kiln/config.yaml kubeVersions): "+strings.Join(kube.Versions(), ", "))
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runFix(env, opts.(*fixOptions), args) },
	})
}

func runFix(env *Env, o *fixOptions, args []string) int {
	wo := o.policyOptions.workspaceOptions(env, args)
	wo.KubeVersion = o.kubeVersion
	w, ok := open(env, "fix", wo)
	if !ok {
		return ExitBadInput
	}
	fixed, err := w.Fix(env.Ctx, args)
	if err != nil {
		return failed(env, "fix", &reportOptions{format: "text"}, err)
	}
	code, changed := ExitClean, 0
	for _, f := range fixed {
		p := repofile.Display(f.Path)
		if !f.Loads {
			fmt.Fprintf(env.Stderr, "kiln fix: %s does not load; kiln validate %s says why\n", p, p)
			code = ExitBadInput
			continue
		}
		if len(f.Titles) == 0 {
			continue
		}
		changed++
		fmt.Fprintf(env.Stderr, "kiln fix: %s: %s\n", p, strings.Join(f.Titles, "; "))
		if o.dryRun {
			env.Stdout.Write(diff.Diff(p, f.Before, p+" (fixed)", f.After))
			if code == ExitClean {
				code = ExitFindings
			}
			continue
		}
		if err := writeKeepingMode(f.Path, f.After); err != nil {
			fmt.Fprintf(env.Stderr, "kiln fix: writing %s: %v\n", p, err)
			code = ExitBadInput
		}
	}
	verb := "fixed"
	if o.dryRun {
		verb = "would fix"
	}
	fmt.Fprintf(env.Stderr, "kiln fix: %s, %s %d\n", report.Plural(len(fixed), "app"), verb, changed)
	return code
}

// writeKeepingMode replaces the file name refers to atomically, keeping
// its permissions: through a symbolic link, the file it points to (the
// link stays a link). A file that is not regular, or not writable, is
// refused rather than replaced.
func writeKeepingMode(name string, data []byte) error {
	if real, err := filepath.EvalSymlinks(name); err == nil {
		name = real
	}
	info, err := os.Lstat(name)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", name)
	}
	if info.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s is not writable", name)
	}
	return writeFileAtomic(name, data, info.Mode().Perm())
}
