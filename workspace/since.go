package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/changes"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// Since is what a check limited to a change (kiln check --base) covers:
// of the apps under the paths, the ones whose inputs changed since a git
// ref, and the ones it leaves out.
type Since struct {
	Ref     string
	Changes *changes.Set // nil when the ref could not be compared
	// Paths are the definitions to check, and Unaffected the other apps
	// under the paths, each sorted; Total counts both.
	Paths, Unaffected []string
	Total             int
	// Everything says why every app is checked, when the change set
	// could not tell which ("" when it could).
	Everything string
	// Unmapped are the changed files that belong to no app (Affected).
	Unmapped []string
}

// Since maps what changed between ref and the working tree to the apps
// under paths (the repository holding the working directory when none)
// with Affected, the function the pre-commit hook's files go through.
// It never narrows on a guess: when the change cannot be mapped — a file
// was deleted or renamed (what read it cannot be told from the working
// tree), a policy, data or configuration file changed, a file that pins
// the kiln that runs changed — every app is checked, and Everything says
// why. A ref that names no commit is an error.
func (w *Workspace) Since(ctx context.Context, ref string, paths []string) (*Since, error) {
	if len(paths) == 0 {
		paths = []string{"."}
		if r := repoRootOf("."); r != "" {
			paths = []string{repofile.Display(r)}
		}
	}
	// Loading the schema (which mapping a changed definition to its
	// callers needs), and what checking an affected app needs (the
	// Kubernetes schemas, the policies), overlap with asking git: a
	// change almost always affects an app, and git works on the other
	// core.
	go schema.Load()
	go w.prepare()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s: no such file or directory", p)
		}
	}
	set, err := changes.Since(ctx, paths[0], ref)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", ref, err)
	}
	// The apps are the definitions among the files git knows: its index
	// and its untracked files answer what a walk of the tree would, at a
	// fraction of the cost in a repository of thousands of apps.
	defs := definitionsAmong(set.Files, paths)
	s := &Since{Ref: ref, Total: len(defs), Changes: set}
	set.Changed = w.withoutCache(set.Changed)
	if why := w.everything(set); why != "" {
		return s.all(defs, why), nil
	}
	if len(set.Changed) == 0 {
		s.Unaffected = sortedCopy(defs)
		return s, nil
	}
	peers := newPeerIndex()
	all := definitionsAmong(set.Files, []string{set.Root})
	peers.seed(set.Root, all, grepper(ctx, set, all))
	changed := displayAll(set.Changed)
	a, err := w.affected(changed, peers)
	if err != nil {
		return nil, err
	}
	s.Unmapped = a.Unmapped
	s.split(defs, append(a.Paths, w.callersOfOldNames(ctx, set, changed, peers)...))
	return s, nil
}

// callersOfOldNames lists the apps that name, in their dependsOn, the
// name a changed definition had at the base: renaming an app changes
// the result of the apps still calling it by its old name.
func (w *Workspace) callersOfOldNames(ctx context.Context, set *changes.Set, changed []string, peers *peerIndex) []string {
	names := map[string][]string{}
	var defs []string
	for i, f := range changed {
		if !isDefinitionPath(f) {
			continue
		}
		defs = append(defs, f)
		old, err := set.Old(ctx, set.Changed[i])
		if err != nil {
			continue // new since the base: no old name
		}
		in := input{file: source.NewFile(f, old), root: discover.RepoRoot(f), eval: w.eval()}
		now := appInput(f)
		now.eval = w.eval()
		name, _ := appName(in)
		if current, _ := appName(now); name != "" && name != current { // the current name's callers are Affected's
			names[in.root] = append(names[in.root], name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return callersNamed(names, defs, w.eval(), peers)
}

// withoutCache drops the files of kiln's own cache from a change set:
// a CI job that keeps the cache inside the checkout (GitLab can cache
// nothing else) sees thousands of them as untracked files.
func (w *Workspace) withoutCache(files []string) []string {
	var dir string
	if w.opts.Cache != nil {
		if c := w.opts.Cache.Cache(); c != nil {
			dir, _ = filepath.Abs(c.Dir())
		}
	}
	return slices.DeleteFunc(files, func(f string) bool {
		return (dir != "" && strings.HasPrefix(f, dir+string(filepath.Separator))) ||
			slices.Contains(strings.Split(filepath.ToSlash(f), "/"), ".kiln-cache")
	})
}

// grepper searches the text of a repository's definitions with git
// grep, which reads only the tracked ones: every untracked definition is
// a candidate too.
func grepper(ctx context.Context, set *changes.Set, defs []string) func([]string) ([]string, bool) {
	var untracked []string
	for _, d := range defs {
		if _, ok := slices.BinarySearch(set.Changed, d); ok {
			untracked = append(untracked, d) // changed or untracked: read, not grepped
		}
	}
	return func(needles []string) ([]string, bool) {
		hits, err := set.Grep(ctx, needles, discover.Names)
		if err != nil {
			return nil, false
		}
		return append(hits, untracked...), true
	}
}

// definitionsAmong are the app definitions among files (absolute) under
// paths, named as a walk of each path names them (the path joined with
// the rest), passing over the directories a walk passes over; a path
// that names a file is a definition whatever its name.
func definitionsAmong(files, paths []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if info, err := os.Stat(abs); err == nil && !info.IsDir() {
			if !seen[abs] {
				seen[abs] = true
				out = append(out, p)
			}
			continue
		}
		prefix := abs + string(filepath.Separator)
		i, _ := slices.BinarySearch(files, prefix)
		for ; i < len(files) && strings.HasPrefix(files[i], prefix); i++ {
			rel := files[i][len(prefix):]
			if !discover.IsDefinition(rel) || skipped(rel) || seen[files[i]] {
				continue
			}
			seen[files[i]] = true
			out = append(out, filepath.Join(p, rel))
		}
	}
	return out
}

// skipped reports whether a walk passes over a directory of rel.
func skipped(rel string) bool {
	dirs := strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/")
	return slices.ContainsFunc(dirs, func(d string) bool { return discover.Skip("", ".", d) })
}

// all makes s check every app, saying why.
func (s *Since) all(defs []string, why string) *Since {
	s.Paths, s.Unaffected, s.Everything = sortedCopy(defs), []string{}, why
	return s
}

// split divides defs between the ones an affected path covers (the
// definition itself, or a directory holding it) and the rest.
func (s *Since) split(defs, affected []string) {
	var files, dirs []string
	for _, p := range affected {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if info, err := os.Stat(abs); err == nil && info.IsDir() {
			dirs = append(dirs, abs+string(filepath.Separator))
		} else {
			files = append(files, abs)
		}
	}
	s.Paths, s.Unaffected = []string{}, []string{}
	for _, d := range defs {
		abs, _ := filepath.Abs(d)
		if slices.Contains(files, abs) || slices.ContainsFunc(dirs, func(dir string) bool { return strings.HasPrefix(abs, dir) }) {
			s.Paths = append(s.Paths, d)
		} else {
			s.Unaffected = append(s.Unaffected, d)
		}
	}
	slices.Sort(s.Paths)
	slices.Sort(s.Unaffected)
}

// everything says why set selects every app, or "": a deleted file, a
// policy, data or configuration file, or a file that pins the kiln that
// runs.
func (w *Workspace) everything(set *changes.Set) string {
	if len(set.Deleted) > 0 {
		return fmt.Sprintf("%s was deleted or renamed since %s, and what read it cannot be told from the working tree", more(displayAll(set.Deleted)), set.Ref)
	}
	for _, f := range displayAll(set.Changed) {
		if selectsEveryApp(f, w.opts) {
			return fmt.Sprintf("%s changed, and a policy, a data file, the configuration or a committed output is read by every app", f)
		}
		if pinsKiln(f) {
			return fmt.Sprintf("%s changed, and it may run another kiln, whose findings may differ", f)
		}
	}
	return ""
}

// pinsKiln reports whether f is a CI or hook configuration that names
// kiln: a change to it may change the kiln that checks the repository.
func pinsKiln(f string) bool {
	slash := filepath.ToSlash(f)
	base := filepath.Base(f)
	ci := base == ".pre-commit-config.yaml" || base == ".gitlab-ci.yml" || base == "action.yml" ||
		strings.Contains(slash, ".github/workflows/")
	if !ci {
		return false
	}
	b, err := os.ReadFile(f)
	return err == nil && strings.Contains(string(b), "kiln")
}

// more names the first of names, and how many others there are.
func more(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return fmt.Sprintf("%s (and %d more)", names[0], len(names)-1)
}

// displayAll names absolute files as the rest of kiln's messages do,
// relative to the working directory where they are below it.
func displayAll(abs []string) []string {
	out := make([]string, len(abs))
	for i, a := range abs {
		out[i] = repofile.Display(a)
	}
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...) // never nil: the JSON report lists it
	slices.Sort(out)
	return out
}
