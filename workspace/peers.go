package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/build"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/schema"
	"github.com/kilnhq/kiln/compiler/source"
)

// An app's dependencies (spec.dependsOn) name other apps of its
// repository. They are found by name: first where a repository usually
// keeps them, a directory of that name beside the app's own or at the
// repository's root; then among every definition of the repository that
// mentions the name. Each definition kiln loads to read its name is read
// through in's source, recorded (see recordReads), so that the cached
// result of the caller is used again only while the callee's definition,
// and the absence of one where it was looked for first, hold.

// apps returns what finds the other apps of in's repository for
// build.Options.Apps. When in's source records reads, the search of
// every definition reads beneath it, as it would otherwise make each one
// a dependency.
func (in input) apps(s *schema.Schema) build.AppFinder {
	unrecorded := in.source()
	if p, ok := unrecorded.(*repofile.Pinned); ok {
		unrecorded = p.Underlying()
	}
	return func(name string) (*app.App, error) {
		for _, def := range in.conventionalPlaces(name) {
			if a, err, ok := in.appAt(s, def, name); ok {
				return a, err
			}
		}
		// Where the search found the app before, if it is still there:
		// loaded and recorded as the search's find would be.
		if def, ok := in.peers.place(in.root, name); ok {
			if a, err, ok := in.appAt(s, def, name); ok {
				return a, err
			}
		}
		for _, def := range in.mentioning(unrecorded, "name", name) {
			if a, err, ok := in.appAt(s, def, name); ok {
				in.peers.remember(in.root, name, def)
				return a, err
			}
		}
		return nil, nil
	}
}

// conventionalPlaces are where the definition of app name usually is:
// <dir>/<name>/kiln.* beside the caller's directory, and under the
// repository's root.
func (in input) conventionalPlaces(name string) []string {
	dirs := []string{filepath.Join(filepath.Dir(filepath.Dir(in.file.Name)), name)}
	if in.root != "" {
		if d := filepath.Join(in.root, name); d != dirs[0] {
			dirs = append(dirs, d)
		}
	}
	var out []string
	for _, d := range dirs {
		for _, n := range discover.Names {
			out = append(out, filepath.Join(d, n))
		}
	}
	return out
}

// mentioning lists the repository's definitions, other than in's, that
// may hold one of names in a field: YAML and JSON ones whose text has the
// field with that value, and every CUE and Jsonnet one, as those may
// compute it. No names lists every definition.
func (in input) mentioning(src repofile.Source, field string, names ...string) []string {
	root := in.root
	if root == "" {
		root = filepath.Dir(in.file.Name)
	}
	texts := in.peers.texts(src, root)
	self, _ := filepath.Abs(in.file.Name)
	if len(names) == 0 {
		return slices.DeleteFunc(slices.Clone(texts.defs), func(def string) bool { abs, _ := filepath.Abs(def); return abs == self })
	}
	candidates := texts.candidates(names)
	text := texts.read(src, candidates)
	var out []string
	for _, def := range candidates {
		if abs, _ := filepath.Abs(def); abs == self {
			continue
		}
		if ext := filepath.Ext(def); ext == ".cue" || ext == ".jsonnet" || slices.ContainsFunc(names, func(n string) bool { return hasField(text[def], field, n) }) {
			out = append(out, def)
		}
	}
	return out
}

// hasField reports whether text has a field (YAML or JSON, quoted or
// not) whose value is name: a cheap test that every definition holding
// it passes, before one is loaded.
func hasField(text []byte, field, name string) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte(name))
		if j < 0 {
			return false
		}
		at := i + j
		before := bytes.TrimRight(text[:at], "\"' \t")
		after := bytes.TrimLeft(text[at+len(name):], "\"' \t")
		if bytes.HasSuffix(before, []byte(":")) && bytes.HasSuffix(bytes.TrimRight(before[:len(before)-1], "\"' \t"), []byte(field)) &&
			(len(after) == 0 || bytes.ContainsAny(after[:1], ",}\r\n#")) {
			return true
		}
		i = at + len(name)
	}
}

// A peerIndex holds, for one run, the definitions of each repository and
// their text, so that the apps of a run that name dependencies search
// their repository once between them. The zero value (nil) keeps nothing.
type peerIndex struct {
	mu    sync.Mutex
	repos map[string]*repoTexts
	// places, when set, outlives the run: the editor's session keeps
	// where each dependency was found.
	places *places
}

// places remember, across runs, the definition where a search of the
// repository found each app, by repository root and app name. The
// editor checks an app again on every keystroke: without them, an app
// whose dependency is not in a conventional place would walk and read
// its whole repository each time. A remembered place is only a first
// guess, as a conventional place is: the definition is loaded, and used
// only if it still names the app; otherwise the repository is searched
// again. (A second app of the same name, made since, sorting before it,
// is not looked for: a cached result of kiln check's is not invalidated
// by one either, as only the definition found is its input.)
type places struct {
	mu sync.Mutex
	m  map[[2]string]string
}

func newPlaces() *places { return &places{m: map[[2]string]string{}} }

// place returns where app name of the repository at root was found.
func (x *peerIndex) place(root, name string) (string, bool) {
	if x == nil || x.places == nil {
		return "", false
	}
	x.places.mu.Lock()
	defer x.places.mu.Unlock()
	def, ok := x.places.m[[2]string{root, name}]
	return def, ok
}

func (x *peerIndex) remember(root, name, def string) {
	if x == nil || x.places == nil {
		return
	}
	x.places.mu.Lock()
	defer x.places.mu.Unlock()
	x.places.m[[2]string{root, name}] = def
}

type repoTexts struct {
	once sync.Once
	defs []string
	// grep, when set, narrows a search for fixed strings to the
	// definitions that may hold one (kiln check --base asks git grep),
	// so that only those are read; ok false: it could not tell.
	grep func(needles []string) (defs []string, ok bool)

	mu   sync.Mutex
	text map[string][]byte // read so far
}

// candidates are the definitions whose text may hold one of needles: the
// ones grep names, with every CUE and Jsonnet one (which may compute
// the value); every definition without grep.
func (t *repoTexts) candidates(needles []string) []string {
	if t.grep == nil {
		return t.defs
	}
	hits, ok := t.grep(needles)
	if !ok {
		return t.defs
	}
	hit := make(map[string]bool, len(hits))
	for _, h := range hits {
		hit[h] = true
	}
	var out []string
	for _, def := range t.defs {
		if ext := filepath.Ext(def); ext == ".cue" || ext == ".jsonnet" || hit[def] {
			out = append(out, def)
		}
	}
	return out
}

// read returns the text of defs, reading through src, in parallel, the
// ones not read before.
func (t *repoTexts) read(src repofile.Source, defs []string) map[string][]byte {
	t.mu.Lock()
	if t.text == nil {
		t.text = map[string][]byte{}
	}
	var todo []string
	for _, d := range defs {
		if _, ok := t.text[d]; !ok {
			todo = append(todo, d)
		}
	}
	t.mu.Unlock()
	texts := make([][]byte, len(todo))
	forEach(len(todo), 4*runtime.GOMAXPROCS(0), func(i int) { texts[i], _ = src.ReadFile(todo[i]) })
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, d := range todo {
		t.text[d] = texts[i]
	}
	out := make(map[string][]byte, len(defs))
	for _, d := range defs {
		out[d] = t.text[d]
	}
	return out
}

func newPeerIndex() *peerIndex { return &peerIndex{repos: map[string]*repoTexts{}} }

// texts are the definitions under root, named absolute, whose text is
// read through src as searches need it.
func (x *peerIndex) texts(src repofile.Source, root string) *repoTexts {
	t := x.entry(root)
	t.once.Do(func() {
		if t.defs == nil {
			abs, err := filepath.Abs(root)
			if err != nil {
				return
			}
			repo, err := discover.Scan(src, abs)
			if repo == nil || (err != nil && !errors.Is(err, discover.ErrNoApps)) {
				return
			}
			t.defs = repo.Definitions()
		}
	})
	return t
}

// seed gives the index the definitions of the repository at root, found
// otherwise (kiln check --base lists them from git), sparing it a walk,
// and a grep that narrows searches of their text.
func (x *peerIndex) seed(root string, defs []string, grep func(needles []string) ([]string, bool)) {
	t := x.entry(root)
	t.grep = grep
	for _, d := range defs {
		if abs, err := filepath.Abs(d); err == nil {
			t.defs = append(t.defs, abs)
		}
	}
	if t.defs == nil {
		t.defs = []string{}
	}
}

// entry is root's entry, made on first use; a nil index keeps none.
func (x *peerIndex) entry(root string) *repoTexts {
	if x == nil {
		return &repoTexts{}
	}
	key, err := filepath.Abs(root)
	if err != nil {
		key = root
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.repos[key]
	if t == nil {
		t = &repoTexts{}
		x.repos[key] = t
	}
	return t
}

// appAt loads the definition at def through in's source; ok reports that
// it is app name's: its app, or why it cannot be used.
func (in input) appAt(s *schema.Schema, def, name string) (a *app.App, err error, ok bool) {
	data, rerr := in.source().ReadFile(def)
	if errors.Is(rerr, fs.ErrNotExist) {
		return nil, nil, false
	}
	other := input{file: source.NewFile(def, data), root: in.root, readErr: rerr, src: in.src, ctx: in.ctx, eval: in.eval, peers: in.peers}
	c := checkOne(other, s)
	if c.file.App != name {
		return nil, nil, false
	}
	if c.app == nil {
		return nil, fmt.Errorf("its definition %s does not check; kiln check it", repofile.Display(def)), true
	}
	return c.app, nil, true
}

// callersOf lists the definitions of the repositories of defs whose
// dependsOn names the app of one of defs: a change to it can change their
// results. Each repository is scanned once, and only the definitions
// whose text mentions a name (or that may compute it: CUE, Jsonnet) are
// loaded. A definition that does not check is left out: its errors are
// its own, whatever the changed definitions say, and the hook must not
// fail a commit for an app it does not touch.
func callersOf(defs []string, eval evalLimits, peers *peerIndex) []string {
	names := map[string][]string{} // repository root → the apps' names
	for _, def := range defs {
		in := appInput(def)
		in.eval = eval
		if name, _ := appName(in); name != "" {
			names[in.root] = append(names[in.root], name)
		}
	}
	return callersNamed(names, defs, eval, peers)
}

// callersNamed lists the definitions of each repository (by its root)
// whose spec.dependsOn names one of its names, other than skip's.
func callersNamed(names map[string][]string, skip []string, eval evalLimits, peers *peerIndex) []string {
	s, err := schema.Load()
	if err != nil {
		return nil
	}
	skipped := map[string]bool{}
	for _, def := range skip {
		abs, _ := filepath.Abs(def)
		skipped[abs] = true
	}
	var out []string
	for root, ns := range names {
		in := input{file: source.NewFile(filepath.Join(root, "."), nil), root: root, peers: peers}
		for _, other := range in.mentioning(in.source(), "app", ns...) {
			if abs, _ := filepath.Abs(other); skipped[abs] {
				continue
			}
			oin := appInput(other)
			oin.eval = eval
			c := checkOne(oin, s)
			if c.app != nil && slices.ContainsFunc(c.app.Spec.DependsOn, func(d app.Dependency) bool { return slices.Contains(ns, d.App) }) {
				out = append(out, repofile.Display(other))
			}
		}
	}
	return out
}
