package workspace

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/check"
	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
)

// Affected is what a set of changed files asks to check.
type Affected struct {
	// Paths are the apps to check: definitions, or directories (a whole
	// repository when a file every app reads changed), sorted.
	Paths []string
	// Unmapped are the files that belong to no app: not a definition, a
	// test, a snapshot or a Dockerfile beside an app, a policy, data or
	// configuration file, nor imported by an app.
	Unmapped []string
}

// Affected maps changed files (as a pre-commit hook passes them) to the
// apps whose results they can change. A directory or definition is
// itself; a policy, a data file (beside policies, or named by the
// configuration or Options.Data), the configuration, a file of the
// policies, data or CRDs it names, or a committed output selects every
// app of its repository; a test file, a snapshot or a Dockerfile
// selects the app beside it; any other file selects every app that
// imports it (its Jsonnet imports, transitively), every app whose text
// names it or that may compute its path (appsNaming), and the app beside
// it. Every app selected selects the apps that name it in their
// dependsOn, which read its definition. No files is the repository
// holding the working directory. A file that does not exist is an error.
func (w *Workspace) Affected(files []string) (Affected, error) {
	return w.affected(files, newPeerIndex())
}

// affected is Affected with the repositories' definitions and their
// text read once, into peers, for every question it asks of them.
func (w *Workspace) affected(files []string, peers *peerIndex) (Affected, error) {
	if len(files) == 0 {
		root := "."
		if r := repoRootOf("."); r != "" {
			root = repofile.Display(r)
		}
		return Affected{Paths: []string{root}}, nil
	}
	p := w.opts
	var out, imported, unmapped []string
	for _, a := range files {
		info, err := os.Stat(a)
		switch {
		case err != nil:
			return Affected{}, fmt.Errorf("%s: no such file or directory", a)
		case info.IsDir():
			out = append(out, a)
		case isDefinitionPath(a):
			out = append(out, a)
		case selectsEveryApp(a, p):
			root := "."
			if r := repoRootOf(a); r != "" {
				root = repofile.Display(r)
			}
			out = append(out, root)
		default:
			dir, base := filepath.Dir(a), filepath.Base(a)
			if filepath.Base(dir) == "__snapshot__" && strings.HasSuffix(base, ".snap") {
				dir = filepath.Dir(dir)
			}
			def := definitionIn(dir)
			if def != "" {
				out = append(out, def)
			}
			if discover.IsTestFile(base) || base == "Dockerfile" || strings.HasSuffix(base, ".snap") {
				if def == "" {
					unmapped = append(unmapped, a)
				}
				continue
			}
			imported = append(imported, a)
		}
	}
	if len(imported) > 0 {
		// The options' bounds, else the defaults: the configuration
		// governing each file may be another.
		importers := appsImporting(imported, evalLimits{sandbox: p.Sandbox, timeout: p.Limits.EvalTimeout, memory: p.Limits.EvalMemory})
		readers := appsNaming(imported, peers)
		for _, a := range imported {
			out = append(out, importers[a]...)
			out = append(out, readers[a]...)
			if len(importers[a]) == 0 && len(readers[a]) == 0 && definitionIn(filepath.Dir(a)) == "" {
				unmapped = append(unmapped, a)
			}
		}
	}
	// The apps that call a selected app read its definition as it loads
	// (spec.dependsOn): a change to the definition, or to a file it
	// imports, is theirs too.
	if selected := slices.DeleteFunc(slices.Clone(out), func(a string) bool { return !isDefinitionPath(a) }); len(selected) > 0 {
		out = append(out, callersOf(selected, evalLimits{sandbox: p.Sandbox, timeout: p.Limits.EvalTimeout, memory: p.Limits.EvalMemory}, peers)...)
	}
	slices.Sort(out)
	return Affected{Paths: slices.Compact(out), Unmapped: unmapped}, nil
}

// appsNaming maps each file to the definitions of its repository whose
// text names it (its base name): the apps whose spec.files may read it
// from another directory than their own. The test is textual, so it may
// select an app that does not read the file, never miss one that names
// it; a CUE or Jsonnet app that computes the path is found by
// appsImporting, which loads it.
func appsNaming(files []string, peers *peerIndex) map[string][]string {
	byRoot := map[string][]string{}
	for _, f := range files {
		if root := repoRootOf(f); root != "" {
			byRoot[root] = append(byRoot[root], f)
		}
	}
	// One search per repository for every name: a pull request that
	// changes a hundred files asks git grep (or reads the definitions)
	// once, not a hundred times.
	out := map[string][]string{}
	src := repofile.Disk("")
	for root, fs := range byRoot {
		bases := make([]string, len(fs))
		for i, f := range fs {
			bases[i] = filepath.Base(f)
		}
		texts := peers.texts(src, repofile.Display(root))
		candidates := texts.candidates(bases)
		text := texts.read(src, candidates)
		for i, f := range fs {
			for _, def := range candidates {
				if bytes.Contains(text[def], []byte(bases[i])) {
					out[f] = append(out[f], repofile.Display(def))
				}
			}
		}
	}
	return out
}

// computedFiles are the files, absolute, that a loaded definition's
// spec.files (and its environments') read from: resolved against its
// directory, as the build resolves them.
func computedFiles(def string, doc *load.Doc, s *schema.Schema) []string {
	if doc == nil || s == nil {
		return nil
	}
	a, _ := check.Check(doc, s)
	if a == nil {
		return nil
	}
	var out []string
	add := func(files map[string]app.File) {
		for _, f := range files {
			if f.From != "" {
				if abs, err := filepath.Abs(filepath.Join(filepath.Dir(def), filepath.FromSlash(f.From))); err == nil {
					out = append(out, abs)
				}
			}
		}
	}
	add(a.Spec.Files)
	for _, e := range a.Spec.Environments {
		add(e.Files)
	}
	return out
}

// selectsEveryApp reports whether a change to file a can change every
// app's result: a policy, the configuration, a data file (beside
// policies, named by the configuration or by --data), a file of the
// policies, data or CRDs the configuration names (a file or in a
// directory it names), or a file of the committed outputs.
func selectsEveryApp(a string, p Options) bool {
	if strings.HasSuffix(a, ".rego") || filepath.Base(filepath.Dir(a)) == ".kiln" || isDataFile(a) {
		return true
	}
	abs, err := filepath.Abs(a)
	if err != nil {
		return false
	}
	same := func(name string) bool {
		other, err := filepath.Abs(name)
		return err == nil && other == abs
	}
	for _, d := range p.Data {
		if same(d) {
			return true
		}
	}
	var cfg *config.Config
	if p.Config != "" {
		cfg, _ = config.Load(p.Config, p.Config)
	} else if name, ok := config.Find(filepath.Dir(a)); ok {
		cfg, _ = config.Load(name, name)
	}
	if cfg == nil {
		return false
	}
	for _, e := range slices.Concat(cfg.Data, cfg.CRDs, cfg.Policies) {
		if p, err := filepath.Abs(cfg.Path(e)); err == nil && (p == abs || strings.HasPrefix(abs, p+string(filepath.Separator))) {
			return true
		}
	}
	if cfg.Outputs.Value != "" {
		if out, err := filepath.Abs(cfg.Path(cfg.Outputs)); err == nil && strings.HasPrefix(abs, out+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// appsImporting maps each file to the definitions of its repository that
// read it: the Jsonnet and CUE apps (the formats that import files or
// compute their values), each loaded with its reads recorded, and with
// the files its spec.files reads from, as loading computed them. The
// file's own name is the key; the definitions are named as the walk
// found them.
func appsImporting(files []string, eval evalLimits) map[string][]string {
	out := map[string][]string{}
	byRoot := map[string][]string{}
	for _, f := range files {
		root := "."
		if r := repoRootOf(f); r != "" {
			root = repofile.Display(r)
		}
		byRoot[root] = append(byRoot[root], f)
	}
	for root, fs := range byRoot {
		inputs, _, err := checkInputs([]string{root})
		if err != nil {
			continue
		}
		inputs = slices.DeleteFunc(inputs, func(in input) bool {
			f := load.FormatOf(in.file.Name)
			return in.readErr != nil || (f != load.Jsonnet && f != load.CUE)
		})
		s, _ := schema.Load()
		setEval(inputs, eval)
		read := make([]map[string]bool, len(inputs))
		forEach(len(inputs), 2*runtime.GOMAXPROCS(0), func(i int) {
			var mu sync.Mutex
			seen := map[string]bool{}
			opts := inputs[i].loadOptions()
			opts.ReadFile = func(name string) ([]byte, error) {
				if abs, err := filepath.Abs(name); err == nil {
					mu.Lock()
					seen[abs] = true
					mu.Unlock()
				}
				return inputs[i].read(name)
			}
			doc, _ := load.Load(inputs[i].file, opts)
			mu.Lock()
			read[i] = maps.Clone(seen)
			mu.Unlock()
			for _, f := range computedFiles(inputs[i].file.Name, doc, s) {
				read[i][f] = true
			}
		})
		for _, f := range fs {
			abs, err := filepath.Abs(f)
			if err != nil {
				continue
			}
			for i, in := range inputs {
				if read[i][abs] {
					out[f] = append(out[f], in.file.Name)
				}
			}
		}
	}
	return out
}

// repoRootOf returns the directory holding .git at or above path, or "".
func repoRootOf(path string) string { return discover.RootOf(repofile.Disk(""), path) }

func isDefinitionPath(p string) bool { return discover.IsDefinition(p) }

// isDataFile reports whether p is a YAML or JSON file in a directory of
// Rego policies, as the policies' data files are; a change to one selects
// every app.
func isDataFile(p string) bool {
	ext := filepath.Ext(p)
	if ext != ".yaml" && ext != ".yml" && ext != ".json" {
		return false
	}
	rego, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.rego"))
	return len(rego) > 0
}

// definitionIn returns the app definition in dir, or "".
func definitionIn(dir string) string {
	for _, n := range discover.Names {
		if p := filepath.Join(dir, n); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
