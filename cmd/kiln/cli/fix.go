package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/fix"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/compiler/validate"
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
			fs.StringVar(&o.kubeVersion, "kube-version", kube.Default(), "Kubernetes version to validate against: "+strings.Join(kube.Versions(), ", "))
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runFix(env, opts.(*fixOptions), args) },
	})
}

// fixRounds bounds the fixing of one file: a fix can reveal another (a
// corrected field name lets its value be checked), but never forever.
const fixRounds = 5

func runFix(env *Env, o *fixOptions, args []string) int {
	paths, err := discover.Find(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln fix: %v\n", err)
		return ExitBadInput
	}
	g, ds := loadGuardrails(args, &o.policyOptions)
	if ds != nil {
		return couldNotStart(env, &reportOptions{format: "text"}, ds)
	}
	s, err := schema.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln: internal error loading the app schema: %v\n", err)
		return ExitBadInput
	}
	v, err := validate.For(strings.TrimPrefix(o.kubeVersion, "v"))
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln fix: --kube-version %s: kiln validates against %s\n", o.kubeVersion, strings.Join(kube.Versions(), ", "))
		return ExitBadInput
	}
	opts := build.Options{Validator: v}
	g.apply(&opts)
	fo := fix.NewOptions(s, g.bundle.Known, time.Now())
	code, changed := ExitClean, 0
	for _, p := range paths {
		in, _ := appInput(p)
		in.eval = o.evalOptions.limits(env, g.cfg)
		fixed, titles, ok := fixFile(in, s, opts, fo)
		if !ok {
			fmt.Fprintf(env.Stderr, "kiln fix: %s does not load; kiln validate %s says why\n", display(p), display(p))
			code = ExitBadInput
			continue
		}
		if len(titles) == 0 {
			continue
		}
		changed++
		fmt.Fprintf(env.Stderr, "kiln fix: %s: %s\n", display(p), strings.Join(titles, "; "))
		if o.dryRun {
			env.Stdout.Write(diff.Diff(display(p), in.file.Content, display(p)+" (fixed)", fixed))
			if code == ExitClean {
				code = ExitFindings
			}
			continue
		}
		if err := writeKeepingMode(p, fixed); err != nil {
			fmt.Fprintf(env.Stderr, "kiln fix: writing %s: %v\n", display(p), err)
			code = ExitBadInput
		}
	}
	verb := "fixed"
	if o.dryRun {
		verb = "would fix"
	}
	fmt.Fprintf(env.Stderr, "kiln fix: %s, %s %d\n", plural(len(paths), "app"), verb, changed)
	return code
}

// fixFile applies complete fixes to one definition until none is left,
// re-checking after each round. ok is false when the definition does not
// load, so that nothing can be fixed safely.
func fixFile(in input, s *schema.Schema, opts build.Options, fo fix.Options) (fixed []byte, titles []string, ok bool) {
	content := in.file.Content
	for range fixRounds {
		in.file = source.NewFile(in.file.Name, content)
		c := checkOne(in, s)
		if c.doc == nil {
			return nil, nil, false
		}
		all := c.diags
		if c.app != nil {
			o := opts
			o.Dockerfile = in.dockerfile
			_, ds := build.Build(c.doc, c.app, o)
			all = append(all, ds...)
		}
		var edits []fix.Edit
		for _, d := range all.Sort() {
			if d.Waived != "" {
				continue
			}
			for _, f := range fix.For(c.doc, d, fo) {
				if f.Complete && !fix.Overlaps(edits, f.Edits) {
					edits = append(edits, f.Edits...)
					titles = append(titles, f.Title)
					break
				}
			}
		}
		if len(edits) == 0 {
			break
		}
		next, err := fix.Apply(content, edits)
		if err != nil {
			break
		}
		content = next
	}
	return content, titles, true
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
