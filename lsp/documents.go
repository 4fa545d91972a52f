package lsp

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/kilnhq/kiln/compiler/config"
	"github.com/kilnhq/kiln/compiler/discover"
	"github.com/kilnhq/kiln/compiler/repofile"
	"github.com/kilnhq/kiln/compiler/source"
)

// A document is one open buffer at one version. It is immutable: a change
// makes a new document.
type document struct {
	uri     protocol.DocumentURI
	path    string // absolute file name
	version int32
	file    *source.File
}

// documents are the open buffers, by absolute path: overlays on the
// file system that every read of the engine goes through.
type documents struct {
	mu   sync.Mutex
	open map[string]*document
}

func newDocuments() *documents { return &documents{open: map[string]*document{}} }

func (ds *documents) set(d *document) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	ds.open[d.path] = d
}

func (ds *documents) close(path string) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	delete(ds.open, path)
}

func (ds *documents) get(path string) *document {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.open[path]
}

// snapshot returns the open buffers as they are now, for one evaluation:
// later edits do not change what it reads.
func (ds *documents) snapshot() map[string]*document {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	m := make(map[string]*document, len(ds.open))
	for k, v := range ds.open {
		m[k] = v
	}
	return m
}

// buffered is what the Checker reads: the open buffers of snap over the
// disk, each file on disk read inside the repository that holds it.
func buffered(snap map[string]*document) repofile.Source {
	buffers := make(map[string][]byte, len(snap))
	for abs, d := range snap {
		buffers[abs] = d.file.Content
	}
	return repofile.Overlay(repoDisk{}, buffers)
}

// repoDisk reads files from the disk, each confined to the repository
// holding it, as kiln check reads an app's files.
type repoDisk struct{}

func (repoDisk) ReadFile(name string) ([]byte, error) {
	return repofile.Read(discover.RepoRoot(name), name, repofile.MaxBytes)
}

func (repoDisk) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (repoDisk) WalkDir(root string, fn fs.WalkDirFunc) error { return filepath.WalkDir(root, fn) }

// pathOf returns the absolute file name of a file: URI, or "" for any
// other URI (an untitled buffer, a virtual document), which kiln does not
// check.
func pathOf(u protocol.DocumentURI) string {
	p, err := url.Parse(string(u))
	if err != nil || p.Scheme != "file" {
		return ""
	}
	path := p.Path
	if len(path) > 2 && path[0] == '/' && path[2] == ':' { // file:///C:/...
		path = path[1:]
	}
	path = filepath.FromSlash(path)
	if !filepath.IsAbs(path) {
		return ""
	}
	return filepath.Clean(path)
}

// uriOf is pathOf's inverse.
func uriOf(path string) protocol.DocumentURI { return uri.File(path) }

// kindOf says what kiln makes of a file by its name.
func kindOf(path string) fileKind {
	base := filepath.Base(path)
	switch {
	case discover.IsDefinition(base):
		return definitionFile
	case discover.IsTestFile(base):
		return testFile
	case base == "Dockerfile":
		return dockerFile
	case strings.HasSuffix(filepath.ToSlash(path), "/"+config.Name):
		return configFile
	}
	return otherFile
}

type fileKind int

const (
	otherFile fileKind = iota
	definitionFile
	testFile
	dockerFile
	configFile
)

// definitionFor returns the definition a file belongs to: itself, or the
// definition beside a test file or Dockerfile, open or on disk.
func (ds *documents) definitionFor(path string) string {
	switch kindOf(path) {
	case definitionFile:
		return path
	case testFile, dockerFile:
		dir := filepath.Dir(path)
		for _, n := range discover.Names {
			p := filepath.Join(dir, n)
			if ds.get(p) != nil {
				return p
			}
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}
