package build

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/load"
	"github.com/kilnhq/kiln/compiler/repofile"
)

// repoFiles reads the files an app names beside its definition (spec.files'
// from, spec.sopsSecrets) through one source, once per build however many
// environments name them.
type repoFiles struct {
	src  repofile.Source
	dir  string
	read map[string]readFile
}

type readFile struct {
	data []byte
	err  string // why the file cannot be used, for the user; "" when read
}

func newRepoFiles(doc *load.Doc, opts Options) *repoFiles {
	dir := opts.Dir
	if dir == "" && doc != nil && doc.File != nil {
		dir = filepath.Dir(doc.File.Name)
	}
	src := opts.Files
	if src == nil {
		// Without the repository's source, nothing outside the
		// definition's directory is read.
		src = repofile.Disk(dir)
	}
	return &repoFiles{src: src, dir: dir, read: map[string]readFile{}}
}

// get reads name, relative to the definition's directory, of at most max
// bytes: a file of the repository, a shared one in a sibling directory
// (../shared/x.yaml) included. The source refuses a path or a symbolic
// link that leads out of the repository.
func (r *repoFiles) get(name string, max int) readFile {
	key := fmt.Sprint(max, "\x00", name) // one name, read for two uses, has two bounds
	if f, ok := r.read[key]; ok {
		return f
	}
	f := r.load(name, max)
	r.read[key] = f
	return f
}

func (r *repoFiles) load(name string, max int) readFile {
	slashed := filepath.ToSlash(name)
	if name == "" || filepath.IsAbs(name) || strings.HasPrefix(slashed, "/") {
		return readFile{err: fmt.Sprintf("%q must be a path relative to the definition's directory: kiln reads files of the repository only", name)}
	}
	b, err := r.src.ReadFile(filepath.Join(r.dir, filepath.FromSlash(slashed)))
	var refused *repofile.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return readFile{err: fmt.Sprintf("%s does not exist (the path is relative to the definition's directory)", name)}
	case errors.As(err, &refused):
		return readFile{err: fmt.Sprintf("cannot read %s: %s", name, refused.Reason)}
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return readFile{err: fmt.Sprintf("cannot read %s: %v", name, err)}
	case len(b) > max:
		return readFile{err: fmt.Sprintf("%s is %d bytes; a file here is at most %d bytes (%d KiB)", name, len(b), max, max>>10)}
	}
	return readFile{data: b}
}

// configFiles reads spec.files' from of an app with one environment
// merged in: their contents for compile, and a finding at each from that
// cannot be read.
func (r *repoFiles) configFiles(a *app.App) (map[string][]byte, []compile.Finding) {
	var out map[string][]byte
	var fs []compile.Finding
	for _, p := range slices.Sorted(maps.Keys(a.Spec.Files)) {
		f := a.Spec.Files[p]
		if f.Content != nil || f.From == "" { // compile reports a file with neither
			continue
		}
		got := r.get(f.From, compile.MaxFileBytes)
		if got.err != "" {
			fs = append(fs, compile.Finding{Path: []string{"spec", "files", p, "from"}, Severity: diag.Error, Code: "build/file", Kind: diag.Finding, Message: got.err})
			continue
		}
		if out == nil {
			out = map[string][]byte{}
		}
		out[f.From] = got.data
	}
	return out, fs
}
