package repofile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// A Source is where kiln reads a repository's files from: the disk, or
// editor buffers over it. Names are spelt as the operating system spells
// them, relative to the working directory or absolute, as callers name
// them today; a Source does not rewrite them.
type Source interface {
	// ReadFile reads a file's bytes, refusing what Read refuses.
	ReadFile(name string) ([]byte, error)
	// Stat describes a file, following symbolic links.
	Stat(name string) (fs.FileInfo, error)
	// WalkDir walks the tree at root as filepath.WalkDir does: lexical
	// order, fn's fs.SkipDir and fs.SkipAll honoured.
	WalkDir(root string, fn fs.WalkDirFunc) error
}

// Disk is the repository on disk: ReadFile is Read confined to root (an
// empty root confines nothing) with MaxBytes; Stat and WalkDir are the
// operating system's.
func Disk(root string) Source { return disk{root: root} }

type disk struct{ root string }

func (d disk) ReadFile(name string) ([]byte, error)       { return Read(d.root, name, MaxBytes) }
func (d disk) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (d disk) Lstat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (d disk) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// WalkDir is filepath.WalkDir, which also notes every directory it
// enters below root as resolved (see resolvedDir): the walk reports a link
// as a link and never enters one, so a directory it enters is its
// parent's resolution and its own name, and reading the files a scan
// found costs no lstat of their directories.
func (d disk) WalkDir(root string, fn fs.WalkDirFunc) error {
	top, err := abs(root)
	if err != nil {
		return filepath.WalkDir(root, fn)
	}
	real, err := resolvedDir(top)
	if err != nil {
		return filepath.WalkDir(root, fn)
	}
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err == nil && path != root && e.IsDir() {
			if rel, rerr := filepath.Rel(root, path); rerr == nil {
				resolvedDirs.LoadOrStore(filepath.Join(top, rel), filepath.Join(real, rel))
			}
		}
		return fn(path, e, err)
	})
}

// ReadDir lists the directory dir of src, sorted by name: with src's own
// ReadDir when it has one, else with a walk of dir that enters none of
// its subdirectories.
func ReadDir(src Source, dir string) ([]fs.DirEntry, error) {
	if r, ok := src.(interface {
		ReadDir(string) ([]fs.DirEntry, error)
	}); ok {
		return r.ReadDir(dir)
	}
	var out []fs.DirEntry
	err := src.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		out = append(out, d)
		if d.IsDir() {
			return fs.SkipDir
		}
		return nil
	})
	return out, err
}

// lstat is src's Lstat when it has one, else its Stat: where a walk
// starts, as filepath.WalkDir starts it.
func lstat(src Source, name string) (fs.FileInfo, error) {
	if l, ok := src.(interface {
		Lstat(string) (fs.FileInfo, error)
	}); ok {
		return l.Lstat(name)
	}
	return src.Stat(name)
}

// Overlay is base seen through editor buffers: buffers holds the text of
// each open buffer by absolute, clean file name, as it stands for one
// evaluation (the map is read, never changed, and must not change while
// the Source is in use). ReadFile and Stat of a buffered file see the
// buffer; a buffer for a file not on disk is listed by WalkDir in its
// directory (which must exist on disk) and is stat'ed as a regular file.
// A buffer is the user's own text: it is not bounded by MaxBytes.
func Overlay(base Source, buffers map[string][]byte) Source {
	o := &overlay{base: base, buffers: buffers, dirs: map[string][]string{}}
	for name := range buffers {
		dir := filepath.Dir(name)
		o.dirs[dir] = append(o.dirs[dir], filepath.Base(name))
	}
	return o
}

type overlay struct {
	base    Source
	buffers map[string][]byte
	dirs    map[string][]string // absolute directory → its buffers' names
}

func (o *overlay) buffer(name string) ([]byte, bool) {
	if len(o.buffers) == 0 {
		return nil, false
	}
	b, ok := o.buffers[key(name)]
	return b, ok
}

func (o *overlay) ReadFile(name string) ([]byte, error) {
	if b, ok := o.buffer(name); ok {
		return b, nil
	}
	return o.base.ReadFile(name)
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if b, ok := o.buffer(name); ok {
		return o.bufferInfo(name, b), nil
	}
	return o.base.Stat(name)
}

func (o *overlay) Lstat(name string) (fs.FileInfo, error) {
	if b, ok := o.buffer(name); ok {
		return o.bufferInfo(name, b), nil
	}
	return lstat(o.base, name)
}

// bufferInfo describes a buffer as a regular file of its size, with the
// time and mode of the file on disk when there is one.
func (o *overlay) bufferInfo(name string, b []byte) fs.FileInfo {
	info := bufferInfo{name: filepath.Base(name), size: int64(len(b)), mode: 0o644}
	if disk, err := o.base.Stat(name); err == nil && disk.Mode().IsRegular() {
		info.mode, info.mod = disk.Mode(), disk.ModTime()
	}
	return info
}

// ReadDir lists dir of the base with the buffers in it: a buffer replaces
// the entry of its file, and one for a file not on disk is added.
func (o *overlay) ReadDir(dir string) ([]fs.DirEntry, error) {
	entries, err := ReadDir(o.base, dir)
	extra := o.dirs[key(dir)]
	if len(extra) == 0 {
		return entries, err
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return entries, err
	}
	byName := map[string]int{}
	for i, e := range entries {
		byName[e.Name()] = i
	}
	for _, n := range extra {
		p := filepath.Join(dir, n)
		e := fs.FileInfoToDirEntry(o.bufferInfo(p, o.buffers[key(p)]))
		if i, ok := byName[n]; ok {
			if !entries[i].IsDir() {
				entries[i] = e
			}
			continue
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int {
		switch {
		case a.Name() < b.Name():
			return -1
		case a.Name() > b.Name():
			return 1
		}
		return 0
	})
	return entries, nil
}

func (o *overlay) WalkDir(root string, fn fs.WalkDirFunc) error { return walkDir(o, root, fn) }

type bufferInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (i bufferInfo) Name() string       { return i.name }
func (i bufferInfo) Size() int64        { return i.size }
func (i bufferInfo) Mode() fs.FileMode  { return i.mode }
func (i bufferInfo) ModTime() time.Time { return i.mod }
func (i bufferInfo) IsDir() bool        { return false }
func (i bufferInfo) Sys() any           { return nil }

// walkDir is filepath.WalkDir over src's Lstat and ReadDir.
func walkDir(src Source, root string, fn fs.WalkDirFunc) error {
	info, err := lstat(src, root)
	if err != nil {
		err = fn(root, nil, err)
	} else {
		err = walkEntry(src, root, fs.FileInfoToDirEntry(info), fn)
	}
	if err == fs.SkipDir || err == fs.SkipAll {
		return nil
	}
	return err
}

func walkEntry(src Source, path string, d fs.DirEntry, fn fs.WalkDirFunc) error {
	if err := fn(path, d, nil); err != nil || !d.IsDir() {
		if err == fs.SkipDir && d.IsDir() {
			err = nil
		}
		return err
	}
	entries, err := ReadDir(src, path)
	if err != nil {
		// As filepath.WalkDir: a second call tells fn why the directory
		// could not be read.
		if err = fn(path, d, err); err != nil {
			if err == fs.SkipDir && d.IsDir() {
				err = nil
			}
			return err
		}
	}
	for _, e := range entries {
		if err := walkEntry(src, filepath.Join(path, e.Name()), e, fn); err != nil {
			if err == fs.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// key is how names are compared: absolute and clean, so that "a/b",
// "./a/b" and its absolute spelling are one file.
func key(name string) string {
	if a, err := abs(name); err == nil {
		return a
	}
	return filepath.Clean(name)
}

// Pinned is a Source for one evaluation: a name reads the same bytes, or
// fails the same way, every time during it, however the file changes
// underneath (the first read is kept), and every name read is recorded
// with what it read (see Sum), so that a result computed from the reads
// can be kept while Holds says they still read so. Names are compared
// absolute and clean; a name is recorded as it was first spelt, so that
// relative names stay relative in what a cache stores. Stat and WalkDir
// are the underlying Source's, not pinned. Safe for concurrent use: an
// evaluation abandoned on a time-out may still be reading.
type Pinned struct {
	src   Source
	mu    sync.Mutex
	files map[string]*pin // key(name) → its first read
	reads map[string]string
}

type pin struct {
	once sync.Once
	b    []byte
	err  error
}

// Pin returns a Pinned over src, with nothing read yet.
func Pin(src Source) *Pinned {
	return &Pinned{src: src, files: map[string]*pin{}, reads: map[string]string{}}
}

// ReadFile reads name through the underlying Source the first time, and
// returns that read's bytes or error every later time. The bytes are
// shared: callers must not change them.
func (p *Pinned) ReadFile(name string) ([]byte, error) {
	k := key(name)
	p.mu.Lock()
	f := p.files[k]
	if f == nil {
		f = &pin{}
		p.files[k] = f
	}
	p.mu.Unlock()
	f.once.Do(func() {
		f.b, f.err = p.src.ReadFile(name)
		p.mu.Lock()
		p.reads[name] = Sum(f.b, f.err)
		p.mu.Unlock()
	})
	return f.b, f.err
}

func (p *Pinned) Stat(name string) (fs.FileInfo, error)        { return p.src.Stat(name) }
func (p *Pinned) WalkDir(root string, fn fs.WalkDirFunc) error { return p.src.WalkDir(root, fn) }
func (p *Pinned) ReadDir(name string) ([]fs.DirEntry, error)   { return ReadDir(p.src, name) }
func (p *Pinned) Lstat(name string) (fs.FileInfo, error)       { return lstat(p.src, name) }

// Underlying is the Source p reads through, for a read that must not be
// recorded.
func (p *Pinned) Underlying() Source { return p.src }

// Reads returns every name read so far with its Sum: a copy, which later
// reads do not change.
func (p *Pinned) Reads() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.reads)
}

// Holds reports whether every name of reads (a Pinned's Reads) still
// reads through src as it did: a result computed from those reads can
// be used again.
func Holds(src Source, reads map[string]string) bool {
	for name, sum := range reads {
		if Sum(src.ReadFile(name)) != sum {
			return false
		}
	}
	return true
}

// Sum is what a record keeps of one read: the sha256 of the bytes in
// hex, "missing" for a file that does not exist (a missing import is an
// input too), or "unreadable: " and why, since why is part of the answer
// (a file refused for its size must not replay a refusal of a link).
func Sum(b []byte, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case err != nil:
		return "unreadable: " + err.Error()
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
