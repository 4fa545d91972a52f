// Package cache is kiln's content-addressed store of stage results, on
// disk under the user cache directory, like Go's build cache: an action ID
// (the hash of everything a computation reads) names an entry that holds
// the output's hash and size; the output's bytes live under that hash.
//
// Any doubt is a miss: an entry that is missing, truncated, of another
// format version, or whose bytes do not hash to what it records, is never
// returned. Every file is written beside its final name and renamed into
// place, so that concurrent kiln processes sharing a directory see a
// whole entry or none. Entries not used for MaxAge are trimmed.
//
// The package imports nothing from kiln.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// An ActionID names a computation: the hash of its complete description.
type ActionID [32]byte

// An OutputID is the SHA-256 of an output's bytes.
type OutputID [32]byte

// ErrMiss is returned, wrapped with the reason, for an entry that is
// absent or cannot be trusted.
var ErrMiss = errors.New("cache miss")

const (
	// MaxAge is how long an entry may go unused before Trim removes it:
	// long enough to survive a week-end between runs of one branch, short
	// enough that switching between many branches does not grow the
	// directory for ever (cmd/go chose five days for the same reasons).
	MaxAge = 5 * 24 * time.Hour
	// touchAfter: an entry's mtime records its last use, but rewriting it
	// on every hit would cost a write per entry per run; an hour's
	// precision is plenty for a five-day limit.
	touchAfter = time.Hour
	// trimEvery: trimming walks the whole directory, so at most once a day.
	trimEvery = 24 * time.Hour
	// format is the first word of every entry; a change of layout bumps it.
	// v2 binds an entry to its action ID.
	format = "kiln-cache-v2"
)

// A Cache is a directory of entries. It is safe for concurrent use, by
// goroutines and by processes.
type Cache struct {
	dir string
	now func() time.Time // tests replace it to walk through days
	// beforeData, when a test sets it, runs between reading an entry and
	// reading its output, where another process may delete either.
	beforeData func()
}

// marker opens the README kiln writes into a cache directory it creates
// or finds empty. Trim and Clean delete nothing in a directory without it:
// --cache-dir ~/go by mistake must not empty ~/go.
const marker = "This directory holds cached results of kiln (https://github.com/kilnhq/kiln).\n"

// Open returns the cache in dir, creating the directory. A directory that
// holds files but no kiln cache is refused.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &Cache{dir: dir, now: time.Now}
	readme := filepath.Join(dir, "README")
	if _, err := os.Lstat(readme); errors.Is(err, fs.ErrNotExist) {
		switch {
		case emptyDir(dir):
			if err := c.write(readme, []byte(marker+"It may be deleted at any time: kiln cache clean, or rm -r.\n")); err != nil {
				return nil, err
			}
		case !exists(readme):
			// Not empty, and still no README: a kiln that made this cache
			// a moment ago wrote its README before its first entry, so
			// this directory is someone else's.
			return nil, fmt.Errorf("%s is not empty and is no kiln cache (it has no README written by kiln); kiln keeps its cache in a new or empty directory", dir)
		}
	}
	if err := c.owned(); err != nil {
		return nil, err
	}
	return c, nil
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

// emptyDir reports whether dir holds nothing but the temporary files of
// another kiln writing its README at this moment.
func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			return false
		}
	}
	return true
}

// owned returns an error unless the directory holds kiln's README, a
// regular file that begins with the marker.
func (c *Cache) owned() error {
	readme := filepath.Join(c.dir, "README")
	info, err := os.Lstat(readme)
	if err == nil && info.Mode().IsRegular() && info.Size() < 4096 {
		var b []byte
		if b, err = os.ReadFile(readme); err == nil && bytes.HasPrefix(b, []byte(marker)) {
			return nil
		}
	}
	return fmt.Errorf("%s is no kiln cache (its README is not the one kiln writes); kiln deletes nothing in it", c.dir)
}

// kilnFile reports whether name, in the directory sub of the cache ("" for
// the cache directory itself), is a file of kiln's own format: an entry
// or output (<64 hex digits>-a or -d, in the directory named by their
// first two), or a temporary file of a write.
func kilnFile(sub, name string) bool {
	if strings.HasPrefix(name, ".tmp-") {
		return true
	}
	h, ok := strings.CutSuffix(name, "-a")
	if !ok {
		h, ok = strings.CutSuffix(name, "-d")
	}
	if !ok || len(h) != 64 || !strings.HasPrefix(h, sub) || sub == "" {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

// entryDir reports whether name is one of the cache's subdirectories,
// two lower-case hex digits.
func entryDir(name string) bool {
	b, err := hex.DecodeString(name)
	return err == nil && len(b) == 1 && strings.ToLower(name) == name
}

// DefaultDir is where kiln caches unless told otherwise: KILN_CACHE, or
// kiln under the user cache directory.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("KILN_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "kiln"), nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) entryName(id ActionID) string {
	h := hex.EncodeToString(id[:])
	return filepath.Join(c.dir, h[:2], h+"-a")
}

func (c *Cache) dataName(id OutputID) string {
	h := hex.EncodeToString(id[:])
	return filepath.Join(c.dir, h[:2], h+"-d")
}

// inlineMax is the largest output kept in its action entry rather than
// a file of its own: one file read per hit instead of two, for the small
// results most computations have.
const inlineMax = 64 << 10

// entryMax bounds an action entry: its header line and an inline output.
const entryMax = inlineMax + 256

// readRegular reads name, of at most max bytes, when it is a regular
// file: an entry replaced by a link (to /dev/zero) or a named pipe must
// be a miss, not a read without end or a hang. The link itself is not
// followed.
func readRegular(name string, max int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d it may hold", name, info.Size(), max)
	}
	// Sized as the file says: one read, and one that finds its end.
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(f, max+1))
	if err == nil && int64(buf.Len()) > max {
		err = fmt.Errorf("%s grew past %d bytes", name, max)
	}
	return buf.Bytes(), err
}

// Read returns the bytes recorded for id, or why there are none (an
// error wrapping ErrMiss).
func (c *Cache) Read(id ActionID) ([]byte, error) {
	name := c.entryName(id)
	entry, err := readRegular(name, entryMax)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMiss, err)
	}
	header, inline, hasInline := bytes.Cut(entry, []byte("\n"))
	fields := strings.Fields(string(header))
	if len(fields) != 4 || fields[0] != format {
		return nil, fmt.Errorf("%w: entry %s is not a %s entry", ErrMiss, name, format)
	}
	// The entry names the action it answers, as cmd/go's do: an entry
	// copied over another's file answers nothing there.
	if fields[1] != hex.EncodeToString(id[:]) {
		return nil, fmt.Errorf("%w: entry %s was written for another action", ErrMiss, name)
	}
	var out OutputID
	if b, err := hex.DecodeString(fields[2]); err != nil || len(b) != len(out) {
		return nil, fmt.Errorf("%w: entry %s has a malformed output id", ErrMiss, name)
	} else {
		copy(out[:], b)
	}
	size, err := strconv.Atoi(fields[3])
	if err != nil || size < 0 {
		return nil, fmt.Errorf("%w: entry %s has a malformed size", ErrMiss, name)
	}
	if hasInline && len(inline) > 0 {
		if len(inline) != size || sha256.Sum256(inline) != out {
			return nil, fmt.Errorf("%w: the output in entry %s does not match its hash", ErrMiss, name)
		}
		c.touch(name)
		return inline, nil
	}
	if c.beforeData != nil {
		c.beforeData()
	}
	data, err := readRegular(c.dataName(out), int64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMiss, err)
	}
	if len(data) != size || sha256.Sum256(data) != out {
		return nil, fmt.Errorf("%w: the output of entry %s does not match its hash", ErrMiss, name)
	}
	c.touch(name)
	c.touch(c.dataName(out))
	return data, nil
}

// Write records data as the output of id.
func (c *Cache) Write(id ActionID, data []byte) error {
	out := OutputID(sha256.Sum256(data))
	if len(data) > 0 && len(data) <= inlineMax {
		entry := fmt.Appendf(nil, "%s %x %x %d\n", format, id, out, len(data))
		return c.write(c.entryName(id), append(entry, data...))
	}
	dataName := c.dataName(out)
	if existing, err := readRegular(dataName, int64(len(data))); err != nil || !bytes.Equal(existing, data) {
		if err := c.write(dataName, data); err != nil {
			return err
		}
	}
	entry := fmt.Sprintf("%s %x %x %d\n", format, id, out, len(data))
	return c.write(c.entryName(id), []byte(entry))
}

// write puts data at name through a temporary file beside it and a
// rename: a reader sees the old file, or the new one whole.
func (c *Cache) write(name string, data []byte) error {
	// The directory is made when the temporary file cannot be: a cold
	// run writes thousands of entries into 256 directories, and making
	// sure of one first costs a stat each time.
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-")
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		f, err = os.CreateTemp(filepath.Dir(name), ".tmp-")
	}
	if err != nil {
		return err
	}
	// No fsync: a file torn by a crash fails its checksum on read and is
	// a miss, so durability is not needed for correctness, and a sync per
	// entry would cost more than most computations it saves.
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// touch records a use of the file, at most every touchAfter.
func (c *Cache) touch(name string) {
	now := c.now()
	if info, err := os.Stat(name); err == nil && now.Sub(info.ModTime()) > touchAfter {
		os.Chtimes(name, now, now)
	}
}

// Stats describes the cache's contents.
type Stats struct {
	Entries, Outputs int
	Bytes            int64
	Oldest           time.Time
}

// Stats walks the cache directory.
func (c *Cache) Stats() (Stats, error) {
	var s Stats
	err := c.walk(func(path string, info fs.FileInfo) {
		switch {
		case strings.HasSuffix(path, "-a"):
			s.Entries++
		case strings.HasSuffix(path, "-d"):
			s.Outputs++
		default:
			return
		}
		s.Bytes += info.Size()
		if s.Oldest.IsZero() || info.ModTime().Before(s.Oldest) {
			s.Oldest = info.ModTime()
		}
	})
	return s, err
}

// Trim removes the entries and outputs not used for MaxAge, at most once
// every trimEvery unless force is set. It returns how many files it removed.
func (c *Cache) Trim(force bool) (int, error) {
	now := c.now()
	stamp := filepath.Join(c.dir, "trim.txt")
	if !force {
		if b, err := os.ReadFile(stamp); err == nil {
			if t, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && now.Sub(time.Unix(t, 0)) < trimEvery {
				return 0, nil // most runs: nothing deleted, nothing to verify
			}
		}
	}
	if err := c.owned(); err != nil { // before anything is deleted
		return 0, err
	}
	removed := 0
	err := c.walk(func(path string, info fs.FileInfo) {
		if !info.Mode().IsRegular() {
			return
		}
		stale := now.Sub(info.ModTime()) > MaxAge
		temp := strings.HasPrefix(filepath.Base(path), ".tmp-") && now.Sub(info.ModTime()) > time.Hour // left by a killed process
		if stale || temp {
			if os.Remove(path) == nil {
				removed++
			}
		}
	})
	if err != nil {
		return removed, err
	}
	return removed, c.write(stamp, []byte(strconv.FormatInt(now.Unix(), 10)+"\n"))
}

// Clean removes every entry and output: the files of kiln's format in
// the cache's subdirectories, and those directories once empty. Anything
// else is left where it is.
func (c *Cache) Clean() error {
	if err := c.owned(); err != nil {
		return err
	}
	err := c.walk(func(path string, info fs.FileInfo) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
	})
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() && entryDir(e.Name()) {
			os.Remove(filepath.Join(c.dir, e.Name())) // fails, harmlessly, if something else is inside
		}
	}
	return nil
}

// walk calls f for each file of kiln's format: in the cache directory and
// its entry subdirectories, never in another directory or through a link.
func (c *Cache) walk(f func(path string, info fs.FileInfo)) error {
	return filepath.WalkDir(c.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed by another process meanwhile
			}
			return err
		}
		sub, _ := filepath.Rel(c.dir, filepath.Dir(path))
		if sub == "." {
			sub = ""
		}
		if d.IsDir() {
			if path != c.dir && !(sub == "" && entryDir(d.Name())) {
				return filepath.SkipDir
			}
			return nil
		}
		if !kilnFile(sub, d.Name()) {
			return nil
		}
		if info, err := d.Info(); err == nil {
			f(path, info)
		}
		return nil
	})
}
