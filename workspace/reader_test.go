package workspace

import (
	"io/fs"
	"os"
	"path/filepath"
)

// readerSource is a repofile.Source whose files read through a function:
// the tests' stand-in for an editor's buffers over the disk.
type readerSource func(name string) ([]byte, error)

func (r readerSource) ReadFile(name string) ([]byte, error)       { return r(name) }
func (readerSource) Stat(name string) (fs.FileInfo, error)        { return os.Stat(name) }
func (readerSource) WalkDir(root string, fn fs.WalkDirFunc) error { return filepath.WalkDir(root, fn) }
