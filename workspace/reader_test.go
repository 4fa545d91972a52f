package workspace

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// readerSource is a repofile.Source whose files read through a function:
// the tests' stand-in for an editor's buffers over the disk.
type readerSource func(name string) ([]byte, error)

func (r readerSource) ReadFile(name string) ([]byte, error)       { return r(name) }
func (readerSource) Stat(name string) (fs.FileInfo, error)        { return os.Stat(name) }
func (readerSource) WalkDir(root string, fn fs.WalkDirFunc) error { return filepath.WalkDir(root, fn) }

// openForTest opens the workspace of the app def with its guardrails
// loaded, and returns them with the shared key every app's key holds.
func openForTest(t *testing.T, def string) (*Workspace, *guardrails, []byte) {
	t.Helper()
	w, err := Open(context.Background(), Options{Dir: def, LazyPolicies: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := w.guardrails()
	if err != nil {
		t.Fatal(err)
	}
	return w, g, w.sharedKey()
}
