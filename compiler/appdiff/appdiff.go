// Package appdiff compares two builds of a repository's apps — the base
// of a pull request and its head, say — and says, per app and
// environment, what the rendered manifests change: objects added,
// removed and changed, field by field (objdiff), and the unified diff of
// the rendered YAML. Apps are matched by their definition's path, then
// by name, so that an app renamed in place or moved to another directory
// is one app that changed, not one removed and one added. The report
// renders as text, as Markdown for a pull-request comment and as JSON
// (docs/diff.md).
package appdiff

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kilnhq/kiln/compiler/objdiff"
)

// An App is one app as one side built it.
type App struct {
	Name       string // metadata.name
	Definition string // the definition's path from the repository's top, slash-separated
	// Envs are the rendered manifests (rendered/<env>.yaml) by environment.
	Envs map[string][]byte
}

// Statuses of an app or an environment.
const (
	Added   = objdiff.Added
	Removed = objdiff.Removed
	Changed = objdiff.Changed
)

// A Report is what changed between two sides.
type Report struct {
	Base, Head string // how each side is named: "main (3f2a9c1)", "the working tree"
	// Apps are the apps whose manifests changed, by name.
	Apps []AppDiff
	// Total counts the apps of either side, Unchanged those whose
	// manifests are the same.
	Total, Unchanged int
}

// An AppDiff is what changed in one app.
type AppDiff struct {
	Name       string
	Definition string // the head's; the base's for a removed app
	// OldName and OldDefinition are the base's, when they differ.
	OldName, OldDefinition string
	Status                 string // Added, Removed or Changed
	Envs                   []EnvDiff
}

// An EnvDiff is what changed in one environment of an app.
type EnvDiff struct {
	Name    string
	Status  string // Added, Removed or Changed
	Objects []objdiff.Change
	// Diff is the unified diff of rendered/<env>.yaml, old to new.
	Diff string
}

// Compare matches the apps of base and head and compares each pair's
// environments. An error is a rendered manifest that is no YAML, which
// kiln never writes.
func Compare(base, head []App) (*Report, error) {
	r := &Report{}
	for _, p := range match(base, head) {
		r.Total++
		d, err := compareApp(p.old, p.new)
		if err != nil {
			return nil, err
		}
		if d == nil {
			r.Unchanged++
			continue
		}
		r.Apps = append(r.Apps, *d)
	}
	slices.SortFunc(r.Apps, func(a, b AppDiff) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Definition, b.Definition))
	})
	return r, nil
}

// Counts counts the objects added, changed and removed across r.
func (r *Report) Counts() (added, changed, removed int) {
	for _, a := range r.Apps {
		for _, e := range a.Envs {
			ad, ch, rm := e.Counts()
			added, changed, removed = added+ad, changed+ch, removed+rm
		}
	}
	return
}

// Counts counts the objects added, changed and removed in e.
func (e EnvDiff) Counts() (added, changed, removed int) {
	for _, c := range e.Objects {
		switch c.Op {
		case Added:
			added++
		case Changed:
			changed++
		case Removed:
			removed++
		}
	}
	return
}

// pair is an app of either side or both.
type pair struct{ old, new *App }

// match pairs the apps: by definition path first (an app renamed in
// place), then by name (an app moved); the rest are added or removed.
func match(base, head []App) []pair {
	var out []pair
	used := make([]bool, len(head))
	var left []*App
	byPath := map[string]int{}
	for i, a := range head {
		byPath[a.Definition] = i
	}
	for i := range base {
		if j, ok := byPath[base[i].Definition]; ok && !used[j] {
			used[j] = true
			out = append(out, pair{&base[i], &head[j]})
			continue
		}
		left = append(left, &base[i])
	}
	byName := map[string]int{}
	for j := len(head) - 1; j >= 0; j-- {
		if !used[j] {
			byName[head[j].Name] = j
		}
	}
	for _, a := range left {
		if j, ok := byName[a.Name]; ok && !used[j] {
			used[j] = true
			out = append(out, pair{a, &head[j]})
			continue
		}
		out = append(out, pair{old: a})
	}
	for j := range head {
		if !used[j] {
			out = append(out, pair{new: &head[j]})
		}
	}
	return out
}

// compareApp compares one pair; nil when nothing changed.
func compareApp(old, new *App) (*AppDiff, error) {
	d := &AppDiff{Status: Changed}
	switch {
	case old == nil:
		d.Name, d.Definition, d.Status = new.Name, new.Definition, Added
		old = &App{}
	case new == nil:
		d.Name, d.Definition, d.Status = old.Name, old.Definition, Removed
		new = &App{}
	default:
		d.Name, d.Definition = new.Name, new.Definition
		if old.Name != new.Name {
			d.OldName = old.Name
		}
		if old.Definition != new.Definition {
			d.OldDefinition = old.Definition
		}
	}
	for _, env := range envNames(old, new) {
		e, err := compareEnv(d.Name, env, old.Envs[env], new.Envs[env], hasEnv(old, env), hasEnv(new, env))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", d.Definition, err)
		}
		if e != nil {
			d.Envs = append(d.Envs, *e)
		}
	}
	// An app whose manifests did not change is no change, moved or not:
	// kiln diff is about what the cluster gets. (A rename changes the
	// objects' names, so its manifests change.)
	if len(d.Envs) == 0 && d.Status == Changed {
		return nil, nil
	}
	return d, nil
}

func hasEnv(a *App, env string) bool {
	_, ok := a.Envs[env]
	return ok
}

func envNames(old, new *App) []string {
	var names []string
	for n := range old.Envs {
		names = append(names, n)
	}
	for n := range new.Envs {
		if !hasEnv(old, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// compareEnv compares one environment's manifests; nil when they are
// the same, byte for byte or object for object.
func compareEnv(app, env string, old, new []byte, inOld, inNew bool) (*EnvDiff, error) {
	if inOld && inNew && bytes.Equal(old, new) {
		return nil, nil
	}
	before, err := parse(old)
	if err != nil {
		return nil, fmt.Errorf("the base's %s manifests: %v", env, err)
	}
	after, err := parse(new)
	if err != nil {
		return nil, fmt.Errorf("the %s manifests: %v", env, err)
	}
	e := &EnvDiff{Name: env, Status: Changed, Objects: objdiff.Objects(before, after)}
	oldName, newName := "a/"+app+"/rendered/"+env+".yaml", "b/"+app+"/rendered/"+env+".yaml"
	switch {
	case !inOld:
		e.Status, oldName = Added, "/dev/null"
	case !inNew:
		e.Status, newName = Removed, "/dev/null"
	case len(e.Objects) == 0:
		return nil, nil // the same objects, written otherwise
	}
	e.Diff = objdiff.Unified(oldName, newName, old, new)
	return e, nil
}

// parse reads a stream of rendered objects.
func parse(data []byte) ([]map[string]any, error) {
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if obj != nil {
			out = append(out, obj)
		}
	}
}
