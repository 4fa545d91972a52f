// Package discover finds what a command should check: Scan walks the
// paths given once and returns the repository, its apps with the files
// that go with each, the plain manifests and every file it saw by kind.
// Find, Manifests and RepoRoot are the answers of older callers, on the
// disk.
package discover

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/repofile"
)

// Names are the file names that hold an app definition when kiln searches a
// directory. A file named explicitly on the command line may have any name.
var Names = []string{"kiln.yaml", "kiln.yml", "kiln.json", "kiln.cue", "kiln.jsonnet"}

// skipDirs are never searched: version control, vendored code and packages
// hold copies of other people's files, not the repository's apps; and
// .kiln-cache is where CI systems that cache only paths inside the
// checkout (GitLab) keep kiln's cache, thousands of directories of
// results with no app among them.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true, ".kiln-cache": true}

// Find returns the definition files under paths, in a stable order. A file
// path is returned as given; a directory is searched recursively. A path
// that does not exist, or a directory with no definitions, is an error: a
// run that checks nothing must never look like a clean run. It is Scan's
// Apps, on the disk.
func Find(paths []string) ([]string, error) {
	r, err := Scan(repofile.Disk(""), paths...)
	if err != nil {
		return nil, err
	}
	return r.Definitions(), nil
}

// RepoRoot returns the directory that contains path and holds a .git entry,
// the boundary that Jsonnet imports may not cross. Without one it returns
// the directory of path: RootOf the file's directory, with the confining
// policy of App.Root.
func RepoRoot(path string) string { return new(Roots).RepoRoot(path) }

// Roots answers RepoRoot for many paths, remembering each directory's
// answer, so that the thousand definitions of one repository cost one
// stat per directory between them rather than several each. The zero
// value is ready; it is not safe for concurrent use.
type Roots struct {
	s *scan // on the disk, listing nothing: its directories' roots
}

// RepoRoot is the package's RepoRoot, remembered.
func (r *Roots) RepoRoot(path string) string {
	if r.s == nil {
		r.s = &scan{src: repofile.Disk(""), dirs: map[string]*dirInfo{}, listed: map[string]string{}}
	}
	abs := r.s.abs(path)
	if !filepath.IsAbs(abs) {
		return filepath.Dir(path) // no working directory
	}
	if root := r.s.dir(filepath.Dir(abs), false).root; root != "" {
		return root
	}
	return filepath.Dir(abs)
}

// Skip reports whether a walk from root should pass over the directory at
// path: version control, vendored code and packages, never the root itself.
func Skip(root, path, name string) bool { return path != root && skipDirs[name] }

// IsDefinition reports whether a file's name makes it an app definition.
func IsDefinition(path string) bool { return slices.Contains(Names, filepath.Base(path)) }

// IsTestFile reports whether a file's name makes it an app's config tests:
// kiln_test.yaml, NAME.kiln_test.yaml or kiln_test.cue.
func IsTestFile(path string) bool {
	name := filepath.Base(path)
	return name == "kiln_test.yaml" || strings.HasSuffix(name, ".kiln_test.yaml") || name == "kiln_test.cue"
}

// Manifests returns the YAML and JSON files under dir that may hold plain
// Kubernetes objects, for kiln lint: every .yaml, .yml and .json file but
// app definitions, their tests, and what is not a manifest as it stands.
// Skipped with their contents: Helm charts (their templates are not YAML
// until rendered; lint helm template's output), kustomize directories
// (lint kustomize build's output), .kiln (the repository's
// configuration) and build/ beside an app definition (kiln's own output).
// It is Scan's Manifests, on the disk.
func Manifests(dir string) ([]string, error) {
	r, err := Scan(repofile.Disk(""), dir)
	if err != nil && !errors.Is(err, ErrNoApps) {
		return nil, err
	}
	return r.Manifests, nil
}
