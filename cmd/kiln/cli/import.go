package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/importer"
	"github.com/kilnhq/kiln/compiler/lint"
	"github.com/kilnhq/kiln/compiler/objdiff"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/sandbox"
	"github.com/kilnhq/kiln/workspace"
)

type importOptions struct {
	out, owner           string
	stdout, check, force bool
}

func init() {
	commands = append(commands, &command{
		name:  "import",
		args:  "[flags] FILE|DIR|-...",
		short: "write app definitions from existing Kubernetes manifests",
		long: `Import reads Kubernetes objects (a multi-document YAML stream, the output
of helm template or kustomize build, a directory of manifests) or a Score
workload file (score.dev/v1b1), and writes one definition per app it
recognises: DIR/<app>/kiln.yaml. An app is a workload (Deployment,
StatefulSet, DaemonSet, Job, CronJob) with the Service, Ingress,
HorizontalPodAutoscaler, PodDisruptionBudget, ServiceAccount and
NetworkPolicy that select it or that it names. Comments in the definition
say what was inferred (the owner, the port, an SLA "at least").

Then it proves the import: it builds each definition as kiln build does and
compares the objects with the input, field by field, ignoring the defaults
the API server would add. What the app model cannot say is carried in
spec.patches, each field reported at its line in the input; what kiln adds
(its labels, secure defaults, a NetworkPolicy) is listed. Secret values are
never imported.

	kiln import -o apps/ manifests/
	helm template my-release ./chart | kiln import -o apps/ -
	kiln import --check manifests/      # exit 1 when the import would lose anything

Nothing is written when any app fails, and no definition is overwritten
without --force. --check writes nothing: it prints what the round trip
found lost or changed, and exits 1 when anything is. docs/import.md says
more.`,
		minArgs: 1, maxArgs: -1,
		flags: func(fs *flag.FlagSet) any {
			o := &importOptions{}
			fs.StringVar(&o.out, "o", ".", "write DIR/<app>/kiln.yaml under DIR")
			fs.StringVar(&o.owner, "owner", "", "the owner of every app, instead of the one labels or annotations name")
			fs.BoolVar(&o.stdout, "stdout", false, "print the definitions instead of writing them")
			fs.BoolVar(&o.check, "check", false, "write nothing; exit 1 when the import would lose or change anything of the input")
			fs.BoolVar(&o.force, "force", false, "overwrite existing definitions")
			return o
		},
		run: func(env *Env, opts any, args []string) int { return runImport(env, opts.(*importOptions), args) },
	})
}

func runImport(env *Env, o *importOptions, args []string) int {
	if o.out == "-" {
		o.stdout, o.out = true, "."
	}
	if o.owner != "" && !importer.ValidOwner(o.owner) {
		fmt.Fprintf(env.Stderr, "kiln import: --owner %q: an owner is a label value (at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)\n", o.owner)
		return ExitBadInput
	}
	files, err := importInputs(env.Stdin, args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kiln import: %v\n", err)
		return ExitBadInput
	}
	out := filepath.Clean(o.out)
	opts := importer.Options{Owner: o.owner, Path: func(app string) string { return filepath.Join(out, app, "kiln.yaml") },
		Build: Builder(env.Ctx, out, env.Sandbox)}
	r, ds := importer.Files(files, opts)
	report.Text(env.Stderr, ds.Sort(), report.TextOptions{})
	if ds.HasErrors() || r == nil {
		fmt.Fprintf(env.Stderr, "kiln import: nothing written: %s, %s\n", report.Plural(ds.Count(diag.Error), "error"), report.Plural(ds.Count(diag.Warning), "warning"))
		return ExitBadInput
	}
	if len(r.Apps) == 0 {
		fmt.Fprintf(env.Stderr, "kiln import: the input holds no workload (Deployment, StatefulSet, DaemonSet, Job or CronJob): no app to write\n")
		return ExitBadInput
	}
	summary(env.Stderr, r)
	if o.check {
		writeDifferences(env.Stdout, r)
		if !r.Proven() {
			return ExitFindings
		}
		return ExitClean
	}
	if o.stdout {
		for i, a := range r.Apps {
			if i > 0 {
				fmt.Fprintln(env.Stdout, "---")
			}
			fmt.Fprintf(env.Stdout, "# %s\n%s", filepath.ToSlash(opts.Path(a.Name)), a.Definition)
		}
		return ExitClean
	}
	defs := map[string][]byte{}
	for _, a := range r.Apps {
		defs[opts.Path(a.Name)] = a.Definition
	}
	if err := writeAll(defs, o.force); err != nil {
		fmt.Fprintf(env.Stderr, "kiln import: %v\n", err)
		return ExitBadInput
	}
	for _, a := range r.Apps {
		fmt.Fprintf(env.Stderr, "kiln: wrote %s\n", filepath.ToSlash(opts.Path(a.Name)))
	}
	return ExitClean
}

// Builder builds one definition as kiln build does (validated against
// the Kubernetes API, without the guardrails, which judge the app and not
// the import) and returns its objects. dir is where the definitions go,
// for the repository configuration that governs them.
func Builder(ctx context.Context, dir string, pool *sandbox.Pool) importer.BuildFunc {
	for {
		if _, err := os.Stat(dir); err == nil || dir == filepath.Dir(dir) {
			break
		}
		dir = filepath.Dir(dir)
	}
	o := workspace.Options{Dir: dir, NoPolicy: true, Sandbox: pool, Jobs: 1}
	return func(name string, def []byte) ([]map[string]any, diag.List) {
		return workspace.BuildDefinition(ctx, o, name, def)
	}
}

// importInputs reads the files named: a file, every manifest under a
// directory (sorted), or standard input for -.
func importInputs(stdin io.Reader, args []string) ([]*source.File, error) {
	var files []*source.File
	for _, a := range args {
		if a == "-" {
			data, err := io.ReadAll(io.LimitReader(stdin, lint.MaxBytes+1))
			if err != nil {
				return nil, err
			}
			files = append(files, source.NewFile("<stdin>", data))
			continue
		}
		st, err := os.Stat(a)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory", a)
		}
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			data, err := os.ReadFile(a)
			if err != nil {
				return nil, err
			}
			files = append(files, source.NewFile(a, data))
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != a && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(found)
		n := len(files)
		for _, p := range found {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			f := source.NewFile(p, data)
			// kustomization.yaml is read too, whatever it holds (its
			// apiVersion is optional): the import warns that it does not
			// apply it.
			if lint.LooksLikeManifest(f) || bytes.Contains(data, []byte("score.dev/")) || importer.IsKustomization(p) {
				files = append(files, f)
			}
		}
		if len(files) == n {
			return nil, fmt.Errorf("%s: no Kubernetes manifests or Score files under it", a)
		}
	}
	return files, nil
}

// summary says per app what the import carried and what the round trip
// found.
func summary(w io.Writer, r *importer.Result) {
	for _, a := range r.Apps {
		state := "proven: nothing of the input lost or changed"
		if n := countFields(a.Lost); n > 0 {
			state = fmt.Sprintf("NOT proven: %d differences", n)
		}
		fmt.Fprintf(w, "kiln: app %s: %s, %d with patches (%d of %s); round trip %s; kiln adds %s\n", a.Name, report.Plural(len(a.Objects), "object"),
			a.Patched, a.PatchedFields, report.Plural(a.Fields, "value"), state, additions(a))
	}
	if n := len(r.Dropped); n > 0 {
		fmt.Fprintf(w, "kiln: %s of the input not imported (see the warnings above)\n", report.Plural(n, "object"))
	}
	if r.Unresolved > 0 {
		fmt.Fprintf(w, "kiln: %s of the input not imported: kiln cannot resolve what a Score implementation provisions (see the warnings above)\n", report.Plural(r.Unresolved, "value"))
	}
}

func additions(a *importer.App) string {
	objs, fields := 0, 0
	for _, c := range a.Additions {
		if c.Op == objdiff.Added {
			objs++
		}
		fields += len(c.Fields)
	}
	return fmt.Sprintf("%s and %s", report.Plural(objs, "object"), report.Plural(fields, "field"))
}

func countFields(cs []objdiff.Change) int {
	n := 0
	for _, c := range cs {
		n += max(1, len(c.Fields))
	}
	return n
}

// writeDifferences prints what the round trip found, per app and object:
// - for the input's value, + for kiln's.
func writeDifferences(w io.Writer, r *importer.Result) {
	for _, a := range r.Apps {
		for _, c := range a.Lost {
			if c.Op == objdiff.Removed {
				fmt.Fprintf(w, "%s: %s: not in kiln's output\n", a.Name, c.Key)
				continue
			}
			fmt.Fprintf(w, "%s: %s:\n", a.Name, c.Key)
			for _, f := range c.Fields {
				if f.Old != nil {
					fmt.Fprintf(w, "  - %s: %s\n", f.Path, oneLine(f.Old))
				}
				if f.New != nil {
					fmt.Fprintf(w, "  + %s: %s\n", f.Path, oneLine(f.New))
				}
			}
		}
	}
	for _, o := range r.Dropped {
		line, col := o.Node.Pos.LineCol()
		fmt.Fprintf(w, "%s:%d:%d: %s %s: not imported\n", o.File.Name, line, col, o.Key.Kind, o.Key.Name)
	}
	// What kiln adds is no failure, but a reviewer should see it.
	for _, a := range r.Apps {
		for _, c := range a.Additions {
			if c.Op == objdiff.Added {
				fmt.Fprintf(w, "%s: kiln adds %s\n", a.Name, c.Key)
				continue
			}
			paths := make([]string, len(c.Fields))
			for i, f := range c.Fields {
				paths[i] = f.Path
			}
			fmt.Fprintf(w, "%s: kiln adds to %s: %s\n", a.Name, c.Key, strings.Join(paths, ", "))
		}
	}
}

func oneLine(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// writeAll writes every definition or none: each to a temporary file
// beside it first, then all renamed into place. Without force an existing
// definition is an error that names it, before anything is written.
func writeAll(defs map[string][]byte, force bool) error {
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if msg := definedHere(filepath.Dir(n), force, "import"); msg != "" {
			return fmt.Errorf("%s; nothing written", msg)
		}
	}
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, n := range names {
		if err := os.MkdirAll(filepath.Dir(n), 0o755); err != nil {
			cleanup()
			return err
		}
		t, err := os.CreateTemp(filepath.Dir(n), ".kiln.yaml.*")
		if err != nil {
			cleanup()
			return err
		}
		temps = append(temps, t.Name())
		_, err = t.Write(defs[n])
		err = errors.Join(err, t.Chmod(0o644), t.Close())
		if err != nil {
			cleanup()
			return err
		}
	}
	for i, n := range names {
		if err := os.Rename(temps[i], n); err != nil {
			cleanup()
			return err
		}
	}
	return nil
}
