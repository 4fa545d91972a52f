// Package repofile reads the files of a repository the way a gate that
// runs on pull requests must: only regular files, only inside the
// repository root once symbolic links are resolved, and only up to a
// size stated before a byte is read.
//
// A pull request can commit a symbolic link to /etc/passwd as a data file
// (whose lines a finding then prints), a named pipe as a definition (which
// hangs every command), or a sparse 2 GiB test file; each is refused here
// with an error that says why and names the bound. Every reader of user
// files goes through Read or ReadUpTo, so that the bounds live in one
// place.
package repofile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// MaxBytes bounds every file kiln reads other than an app definition
// (which load.DefaultMaxBytes bounds): test files, snapshots, policies,
// data, CRDs, configuration, imports, Dockerfiles and manifests. The
// largest of them in practice, a CRD or a rendered manifest, is well
// under 1 MiB.
const MaxBytes = 16 << 20

// An Error says why a file was refused. Its message completes "cannot
// read the file: ".
type Error struct {
	Name   string
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// ErrRefused is matched by errors.Is for every file this package refuses
// (as opposed to one the system could not read).
var ErrRefused = errors.New("file refused")

func (e *Error) Is(target error) bool { return target == ErrRefused }

// open opens name for reading when it is a regular file that resolves
// inside root: the long way, which says why it refuses one. An empty
// root confines nothing (standard input, a file named outside any
// repository). The caller closes the file.
func open(root, name string) (*os.File, fs.FileInfo, error) {
	real, err := Resolve(root, name)
	if err != nil {
		return nil, nil, err
	}
	// O_NONBLOCK: opening a named pipe must not wait for a writer.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, &Error{Name: name, Reason: "it is " + kind(info.Mode()) + ", not a regular file; kiln reads regular files only"}
	}
	return f, info, nil
}

// plainPath is the path readPlain opens for name: in its directory as
// resolved before, when that lies inside root; ok is false when the
// system cannot refuse a link at the last component, or the directory is
// not resolved.
func plainPath(root, name string) (real string, ok bool) {
	if noFollow == 0 {
		return "", false
	}
	a, err := abs(name)
	if err != nil {
		return "", false
	}
	dir, err := resolvedDir(filepath.Dir(a))
	if err != nil {
		return "", false
	}
	real = filepath.Join(dir, filepath.Base(a))
	if root != "" && !Inside(root, real) {
		return "", false
	}
	return real, true
}

// Read reads name when it is a regular file inside root of at most max
// bytes; a larger file is refused by its size, before it is read.
func Read(root, name string, max int64) ([]byte, error) {
	b, err := read(root, name, max+1, max)
	if err == nil && int64(len(b)) > max {
		return nil, tooLarge(name, int64(len(b)), max) // it grew since its size was read
	}
	return b, err
}

// ReadUpTo reads name, a regular file inside root (see Read), to its end
// or to limit bytes, whichever comes first.
func ReadUpTo(root, name string, limit int64) ([]byte, error) {
	return read(root, name, limit, -1)
}

// read reads name, a regular file inside root, up to limit bytes, or
// refuses it by its stated size when that is over refuse (unless refuse
// is negative): the short way for a plain file (readPlain), else the
// long way (open), which says why a file is refused.
func read(root, name string, limit, refuse int64) ([]byte, error) {
	if b, ok, err := readPlain(root, name, limit, refuse); ok {
		return b, err
	}
	f, info, err := open(root, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if refuse >= 0 && info.Size() > refuse {
		return nil, tooLarge(name, info.Size(), refuse)
	}
	b, err := readAtMost(f, info, limit)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// readAtMost reads f, whose size info states, to its end or to limit
// bytes: in one read of the stated size and one that finds the end,
// for the file that has not changed.
func readAtMost(f *os.File, info fs.FileInfo, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(info.Size(), limit)) + bytes.MinRead)
	_, err := buf.ReadFrom(io.LimitReader(f, limit))
	return buf.Bytes(), err
}

func tooLarge(name string, size, max int64) error {
	return &Error{Name: name, Reason: fmt.Sprintf("it is %d bytes; kiln reads files of at most %d bytes (%s)", size, max, human(max))}
}

// Resolve returns the path name resolves to, symbolic links followed,
// when it lies inside root (resolved too); otherwise a refusal. A name
// that does not exist is the system's error, so that callers can still
// tell a missing file.
func Resolve(root, name string) (string, error) {
	real, err := resolve(name)
	if err != nil {
		if _, lerr := os.Lstat(name); lerr == nil {
			// A link to nothing: say where it points.
			target, _ := os.Readlink(name)
			return "", &Error{Name: name, Reason: fmt.Sprintf("it is a symbolic link to %s, which does not exist", target)}
		}
		return "", err
	}
	if root == "" {
		return real, nil
	}
	if !Inside(root, real) {
		return "", &Error{Name: name, Reason: fmt.Sprintf("it resolves to %s, outside the repository root %s; kiln reads no file outside the repository", real, root)}
	}
	return real, nil
}

// resolve is filepath.EvalSymlinks, made absolute, at the cost of one
// stat for a file that is no link in a directory resolved before: a run
// reads thousands of files in hundreds of directories, and resolving each
// path again cost a stat per component and two for the working directory.
func resolve(name string) (string, error) {
	a, err := abs(name)
	if err != nil {
		return filepath.EvalSymlinks(name)
	}
	if info, err := os.Lstat(a); err != nil || info.Mode()&fs.ModeSymlink != 0 {
		return filepath.EvalSymlinks(a)
	}
	dir, err := resolvedDir(filepath.Dir(a))
	if err != nil {
		return filepath.EvalSymlinks(a)
	}
	return filepath.Join(dir, filepath.Base(a)), nil
}

// resolvedDirs remembers each absolute directory's resolution for the
// process. A directory replaced by a link while a language server runs is
// not seen again; a file replaced by one is, by its own stat.
var resolvedDirs sync.Map // absolute directory → with its links resolved

func resolvedDir(dir string) (string, error) {
	if r, ok := resolvedDirs.Load(dir); ok {
		return r.(string), nil
	}
	// The parent is resolved once for all its children; this directory
	// costs one stat unless it is a link.
	r, err := "", error(nil)
	parent := filepath.Dir(dir)
	info, lerr := os.Lstat(dir)
	switch {
	case parent == dir:
		r = dir
	case lerr != nil || info.Mode()&fs.ModeSymlink != 0:
		r, err = filepath.EvalSymlinks(dir)
	default:
		if r, err = resolvedDir(parent); err == nil {
			r = filepath.Join(r, filepath.Base(dir))
		}
	}
	if err == nil {
		resolvedDirs.Store(dir, r)
	}
	return r, err
}

// resolveRoot returns root, absolute, with its links resolved; roots are
// resolved as directories are, once.
func resolveRoot(root string) string {
	a, err := abs(root)
	if err != nil {
		return filepath.Clean(root)
	}
	if r, err := resolvedDir(a); err == nil {
		return r
	}
	return a
}

// workingDir is the working directory, looked up again only when $PWD
// changes (os.Getwd costs two stats a call): kiln changes no directory,
// and a test that does so with t.Chdir sets $PWD.
var workingDir struct {
	sync.Mutex
	pwd, dir string
}

// abs is filepath.Abs with the working directory remembered.
func abs(p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	pwd := os.Getenv("PWD")
	workingDir.Lock()
	defer workingDir.Unlock()
	if workingDir.dir == "" || workingDir.pwd != pwd {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		workingDir.pwd, workingDir.dir = pwd, wd
	}
	return filepath.Join(workingDir.dir, p), nil
}

// Inside reports whether path (already resolved) lies inside root, root
// being resolved here; both are compared as absolute paths.
func Inside(root, path string) bool {
	p, err := abs(path)
	return err == nil && within(resolveRoot(root), p)
}

// within reports whether p lies lexically inside (or is) r.
func within(r, p string) bool {
	rel, err := filepath.Rel(r, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// kind names a non-regular file's type as a user knows it.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// FS is a directory tree read through Read: fs.ReadFile on it refuses what
// Read refuses, confined to root. The directory itself may lie anywhere
// (a policy directory given by flag); its files may not leave root.
type FS struct {
	Root string // the directory files must resolve inside
	Dir  string // the directory read
	Max  int64  // 0: MaxBytes
}

// Open opens a file or directory of the tree, for fs.WalkDir and fs.Glob.
func (d FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return os.DirFS(d.Dir).Open(name)
}

// ReadFile reads a file of the tree through Read.
func (d FS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	max := d.Max
	if max == 0 {
		max = MaxBytes
	}
	return Read(d.Root, filepath.Join(d.Dir, filepath.FromSlash(name)), max)
}

// ReadDir lists a directory of the tree.
func (d FS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(os.DirFS(d.Dir), name)
}
