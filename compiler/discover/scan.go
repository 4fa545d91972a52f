package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/repofile"
)

// ConfigName is where a repository's configuration lives, relative to
// the directory it governs (compiler/config.Name).
const ConfigName = ".kiln/config.yaml"

// ErrNoApps is matched by errors.Is for Scan's error when a directory it
// was given holds no app definition; the Repository is returned with it,
// for kiln lint, which lints the manifests of such a directory.
var ErrNoApps = errors.New("no kiln app definitions")

// A Kind is what kiln makes of a file by its name and place.
type Kind int

const (
	Other      Kind = iota
	Definition      // an app definition: one of Names, or a file named as one
	Test            // config tests beside a definition (IsTestFile)
	Snapshot        // a test's snapshot: __snapshot__/<test>.snap beside it
	Dockerfile      // the Dockerfile beside a definition
	Config          // a file of a .kiln directory: the repository's configuration
	Policy          // a Rego policy
	PolicyData      // a YAML or JSON file beside Rego policies: their data
)

var kindNames = [...]string{"other", "definition", "test", "snapshot", "Dockerfile", "config", "policy", "policy data"}

func (k Kind) String() string { return kindNames[k] }

// EveryApp reports whether a change to a file of this kind can change
// every app's result: a policy, its data, the configuration.
func (k Kind) EveryApp() bool { return k == Policy || k == PolicyData || k == Config }

// A Repository is what one Scan found.
type Repository struct {
	// Root is the absolute directory holding .git at or above the first
	// path scanned, "" when there is none (see RootOf).
	Root string
	// Apps are the definitions found, in Find's order: each path's in
	// lexical order, the paths in the order given, each app once.
	Apps []App
	// Manifests are the files kiln lint reads as plain Kubernetes YAML in
	// the directories scanned (see Manifests), sorted.
	Manifests []string
	// Files are every file the scan saw, sorted by name, each once.
	Files []File

	files map[string]int // absolute name → index in Files
	apps  map[string]int // absolute definition name → index in Apps
	cwd   string         // the working directory, which relative names are relative to
}

// An App is one app definition and the files that go with it.
type App struct {
	Definition string // as found: the path given joined with the walk's
	Dir        string // the definition's directory
	// Root is the directory the app's reads are confined to: the
	// repository root holding it, else (outside any repository) its own
	// directory, as RepoRoot says. Absolute.
	Root string
	// Config is the configuration governing the app: the nearest
	// ConfigName at or above Dir, looking no higher than the directory
	// holding .git (config.Find); "" when there is none. Absolute.
	Config     string
	Dockerfile string // the Dockerfile beside it, "" when none
	Tests      []AppTest
}

// An AppTest is a test file beside an app, with its snapshot.
type AppTest struct {
	File     string
	Snapshot string // SnapshotOf(File) when it exists, else ""
}

// A File is one file the scan saw.
type File struct {
	Name string
	Kind Kind
	// App is the definition a definition, test, snapshot or Dockerfile
	// belongs to (the first of Names in its directory), "" for others
	// and when its directory holds none.
	App string
}

// SnapshotOf returns where the snapshot of a test file lives.
func SnapshotOf(test string) string {
	return filepath.Join(filepath.Dir(test), "__snapshot__", filepath.Base(test)+".snap")
}

// App returns the app of a definition, by any spelling of its name.
func (r *Repository) App(definition string) (*App, bool) {
	i, ok := r.apps[r.abs(definition)]
	if !ok {
		return nil, false
	}
	return &r.Apps[i], true
}

// File returns what the scan made of a file, by any spelling of its name.
func (r *Repository) File(name string) (File, bool) {
	i, ok := r.files[r.abs(name)]
	if !ok {
		return File{}, false
	}
	return r.Files[i], true
}

// Selects returns the apps whose result a change to the file name can
// change, as far as its kind tells: a definition, itself; a test,
// snapshot or Dockerfile, the app beside it; a policy, policy data or
// the configuration, every app (every is true). Any other file selects
// no app here: whether an app imports it, or it is a committed output,
// only loading the apps and their configuration tells. A file the scan
// did not see selects nothing.
func (r *Repository) Selects(name string) (apps []string, every bool) {
	f, ok := r.File(name)
	switch {
	case !ok:
		return nil, false
	case f.Kind.EveryApp():
		return r.Definitions(), true
	case f.App != "":
		return []string{f.App}, false
	}
	return nil, false
}

func (r *Repository) abs(name string) string {
	if filepath.IsAbs(name) || r.cwd == "" {
		return filepath.Clean(name)
	}
	return filepath.Join(r.cwd, name)
}

// Definitions returns the apps' definitions, in the Apps' order.
func (r *Repository) Definitions() []string {
	out := make([]string, len(r.Apps))
	for i, a := range r.Apps {
		out[i] = a.Definition
	}
	return out
}

// Scan walks paths once through src and returns what kiln makes of
// them. A directory is walked recursively, passing over what Skip skips;
// a file is an app definition whatever its name (as Find takes it), with
// its directory listed for the files beside it. A path that does not
// exist is an error; a directory with no definition is an error matching
// ErrNoApps, returned with the Repository all the same.
func Scan(src repofile.Source, paths ...string) (*Repository, error) {
	s := &scan{src: src, dirs: map[string]*dirInfo{}, seen: map[string]bool{}, entries: map[string][]string{}, walked: map[string][]string{}, listed: map[string]string{}}
	var noApps error
	for _, p := range paths {
		info, err := src.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrap(err))
		}
		if !info.IsDir() {
			s.explicit = append(s.explicit, p)
			s.add(p, p, false)
			s.list(filepath.Dir(p))
			s.defs = append(s.defs, p)
			continue
		}
		before := len(s.defs)
		if err := s.walk(p); err != nil {
			return nil, err
		}
		slices.Sort(s.defs[before:])
		if len(s.defs) == before && noApps == nil {
			noApps = fmt.Errorf("%w under %s (looked for %s)", ErrNoApps, p, strings.Join(Names, ", "))
		}
	}
	r := s.repository(paths)
	return r, noApps
}

// unwrap is the system's reason without the operation and path, which
// the caller's message names.
func unwrap(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

type scan struct {
	src      repofile.Source
	files    []string            // every file seen, in order
	seen     map[string]bool     // absolute name → seen
	entries  map[string][]string // clean directory → names of the entries seen in it
	defs     []string            // definitions, in Find's order
	explicit []string            // files given by name
	walked   map[string][]string // directory walked → the files its walk saw, for Manifests
	order    []string            // the directories walked, in order
	dirs     map[string]*dirInfo // absolute directory → root and configuration
	listed   map[string]string   // absolute directory whose entries the scan saw → its name in entries
	cwd      string
}

type dirInfo struct {
	root, config string
	done         bool // config is known
}

// add notes a file or directory entry seen in dir.
func (s *scan) add(path, name string, isDir bool) {
	dir := filepath.Clean(filepath.Dir(path))
	s.entries[dir] = append(s.entries[dir], filepath.Base(name))
	if isDir {
		return
	}
	if c := s.abs(path); !s.seen[c] {
		s.seen[c] = true
		s.files = append(s.files, path)
	}
}

func (s *scan) walk(p string) error {
	if _, ok := s.walked[p]; !ok {
		s.order = append(s.order, p)
	}
	return s.src.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == p {
			if d.IsDir() { // not a link to one, which the walk does not enter
				s.listed[s.abs(path)] = filepath.Clean(path)
			}
			return nil
		}
		if d.IsDir() {
			s.add(path, d.Name(), true) // .git too: it marks the root
			if Skip(p, path, d.Name()) {
				return filepath.SkipDir
			}
			s.listed[s.abs(path)] = filepath.Clean(path)
			return nil
		}
		s.add(path, d.Name(), false)
		s.walked[p] = append(s.walked[p], path)
		if IsDefinition(d.Name()) {
			s.defs = append(s.defs, path)
		}
		return nil
	})
}

// list notes the entries of dir, the directory of a file given by name,
// for the tests and Dockerfile beside it. A directory that cannot be
// listed has none: the file itself is still checked, and says why it
// cannot be read.
func (s *scan) list(dir string) {
	entries, err := repofile.ReadDir(s.src, dir)
	if err == nil {
		s.listed[s.abs(dir)] = filepath.Clean(dir)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			s.add(p, e.Name(), true)
			continue
		}
		s.add(p, e.Name(), false)
	}
}

// has reports whether the scan saw an entry named name in dir.
func (s *scan) has(dir, name string) bool {
	return slices.Contains(s.entries[filepath.Clean(dir)], name)
}

func (s *scan) repository(paths []string) *Repository {
	r := &Repository{files: make(map[string]int, len(s.files)), apps: make(map[string]int, len(s.defs)), cwd: s.abs("."),
		Files: make([]File, 0, len(s.files)), Apps: make([]App, 0, len(s.defs))}
	if len(paths) > 0 {
		r.Root = s.rootOf(paths[0])
	}
	rego := map[string]bool{}
	for _, f := range s.files {
		if strings.HasSuffix(f, ".rego") {
			rego[filepath.Clean(filepath.Dir(f))] = true
		}
	}
	explicit := map[string]bool{}
	for _, e := range s.explicit {
		explicit[filepath.Clean(e)] = true
	}
	slices.SortFunc(s.files, func(a, b string) int { return strings.Compare(a, b) })
	for _, f := range s.files {
		k := s.kind(f, rego, explicit[filepath.Clean(f)])
		file := File{Name: f, Kind: k}
		switch k {
		case Definition:
			file.App = f
		case Test, Dockerfile:
			file.App = s.definitionIn(filepath.Dir(f))
		case Snapshot:
			file.App = s.definitionIn(filepath.Dir(filepath.Dir(f)))
		}
		r.files[r.abs(f)] = len(r.Files)
		r.Files = append(r.Files, file)
	}
	for _, d := range s.defs {
		if _, ok := r.apps[r.abs(d)]; ok {
			continue
		}
		r.apps[r.abs(d)] = len(r.Apps)
		r.Apps = append(r.Apps, s.app(d))
	}
	r.Manifests = s.manifests()
	return r
}

// kind classifies a file in the order kiln check maps a changed file to
// apps: what selects every app before what selects the app beside it.
func (s *scan) kind(f string, rego map[string]bool, explicit bool) Kind {
	name, dir := filepath.Base(f), filepath.Dir(f)
	switch {
	case explicit || IsDefinition(name):
		return Definition
	case strings.HasSuffix(name, ".rego"):
		return Policy
	case filepath.Base(dir) == ".kiln":
		return Config
	case rego[filepath.Clean(dir)] && isData(name):
		return PolicyData
	case IsTestFile(name):
		return Test
	case filepath.Base(dir) == "__snapshot__" && strings.HasSuffix(name, ".snap"):
		return Snapshot
	case name == "Dockerfile":
		return Dockerfile
	}
	return Other
}

func isData(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml" || ext == ".json"
}

// definitionIn returns the first of Names the scan saw in dir, or "".
func (s *scan) definitionIn(dir string) string {
	for _, n := range Names {
		if s.has(dir, n) {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

func (s *scan) app(def string) App {
	dir := filepath.Dir(def)
	a := App{Definition: def, Dir: dir}
	abs := s.abs(dir)
	info := s.dir(abs, true)
	a.Root, a.Config = info.root, info.config
	if a.Root == "" {
		a.Root = abs
	}
	if s.has(dir, "Dockerfile") {
		a.Dockerfile = filepath.Join(dir, "Dockerfile")
	}
	var tests []string
	for _, n := range s.entries[filepath.Clean(dir)] {
		if IsTestFile(n) {
			tests = append(tests, filepath.Join(dir, n))
		}
	}
	slices.Sort(tests)
	for _, t := range slices.Compact(tests) {
		at := AppTest{File: t}
		snap := SnapshotOf(t)
		if s.seen[s.abs(snap)] || s.unlisted(snap) {
			at.Snapshot = snap
		}
		a.Tests = append(a.Tests, at)
	}
	return a
}

// unlisted reports whether a snapshot the scan did not see exists: the
// scan saw every file of a directory it walked, and none of one its
// parent lists without it; only a __snapshot__ beside a definition named
// on its own, which is listed but not walked, is stat'ed.
func (s *scan) unlisted(snap string) bool {
	dir := filepath.Dir(snap)
	if _, walked := s.listed[s.abs(dir)]; walked {
		return false
	}
	if _, listed := s.listed[s.abs(filepath.Dir(dir))]; listed && !s.has(filepath.Dir(dir), filepath.Base(dir)) {
		return false
	}
	info, err := s.src.Stat(snap)
	return err == nil && !info.IsDir()
}

// manifests are the YAML and JSON files of the directories walked that
// kiln lint reads as plain Kubernetes objects (see Manifests).
func (s *scan) manifests() []string {
	var out []string
	for _, p := range s.order {
		top := filepath.Clean(p)
		excluded := map[string]bool{}
		var skipped func(dir string) bool
		skipped = func(dir string) bool {
			if dir == top || filepath.Dir(dir) == dir {
				return false
			}
			if v, ok := excluded[dir]; ok {
				return v
			}
			v := filepath.Base(dir) == ".kiln" || s.notManifests(dir) || skipped(filepath.Dir(dir))
			excluded[dir] = v
			return v
		}
		for _, f := range s.walked[p] {
			name := filepath.Base(f)
			if IsDefinition(name) || strings.HasSuffix(name, "kiln_test.yaml") || !isData(name) || skipped(filepath.Clean(filepath.Dir(f))) {
				continue
			}
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// notManifests reports whether dir holds files that are not manifests as
// they stand: a Helm chart, a kustomization, or kiln's output beside a
// definition.
func (s *scan) notManifests(dir string) bool {
	for _, marker := range []string{"Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if s.has(dir, marker) {
			return true
		}
	}
	return filepath.Base(dir) == "build" && s.definitionIn(filepath.Dir(dir)) != ""
}

// abs is filepath.Abs with the working directory asked once a scan.
func (s *scan) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	if s.cwd == "" {
		s.cwd, _ = os.Getwd()
	}
	if s.cwd == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(s.cwd, p)
}

func (s *scan) rootOf(path string) string { return s.dir(s.abs(path), false).root }

// dir answers, once per directory, the repository root at or above the
// absolute directory dir (one stat, for a directory the scan did not
// list) and, when asked (config), the configuration governing it.
func (s *scan) dir(dir string, config bool) *dirInfo {
	info, ok := s.dirs[dir]
	if !ok {
		info = &dirInfo{}
		s.dirs[dir] = info
		name, listed := s.listed[dir]
		// A directory the scan listed answers from its entries.
		git := listed && s.has(name, ".git")
		if !listed {
			_, err := s.src.Stat(filepath.Join(dir, ".git"))
			git = err == nil
		}
		if git {
			info.root = dir
		} else if parent := filepath.Dir(dir); parent != dir {
			info.root = s.dir(parent, false).root
		}
	}
	if config && !info.done {
		info.done = true
		name, listed := s.listed[dir]
		cfg := filepath.Join(dir, ConfigName)
		// A stat only where .kiln is (it may be a link to a directory,
		// which a walk does not enter) and in directories not listed.
		if !listed || s.has(name, ".kiln") {
			if _, err := s.src.Stat(cfg); err == nil {
				info.config = cfg
			}
		}
		if parent := filepath.Dir(dir); info.config == "" && info.root != dir && parent != dir {
			info.config = s.dir(parent, true).config
		}
	}
	return info
}

// RootOf returns the repository root of path: the absolute directory at
// or above it that holds .git, or "" when there is none. It is kiln's one
// meaning of "root": a fact about the tree, which says when there is no
// repository. What a caller does without one is the caller's policy:
// reads are confined to the app's own directory (App.Root, RepoRoot),
// reports name files relative to the working directory.
func RootOf(src repofile.Source, path string) string {
	s := &scan{src: src, dirs: map[string]*dirInfo{}, listed: map[string]string{}}
	return s.rootOf(path)
}

// AppBeside returns the definition that a file named on its own (a test,
// a Dockerfile, a snapshot, a file of no kind) sits beside: the first of
// Names in its directory, or, for a snapshot, in the directory above its
// __snapshot__; "" when there is none. It stats through src, so that an
// editor's unsaved definition counts.
func AppBeside(src repofile.Source, name string) string {
	dir := filepath.Dir(name)
	if filepath.Base(dir) == "__snapshot__" && strings.HasSuffix(name, ".snap") {
		dir = filepath.Dir(dir)
	}
	for _, n := range Names {
		p := filepath.Join(dir, n)
		if info, err := src.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}
