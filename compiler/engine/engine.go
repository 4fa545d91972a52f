// Package engine runs kiln's stages through the cache: a computation named
// by the hash of everything it reads (an ActionID) runs once, and later
// runs, in this process or another, read its result. An in-memory layer
// answers repeated questions of a long-running process; the disk cache
// (compiler/cache) answers across processes.
//
// A cache that cannot be written (read-only, full) degrades the run to
// uncached with one warning; it never fails it. KILN_DEBUG=cacheverify=1
// recomputes every hit and fails loudly when the result differs from the
// stored one, which means a key left out an input;
// KILN_DEBUG=cachehash=1 traces every input of every key to stderr.
package engine

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kilnhq/kiln/compiler/cache"
)

// Options configure an Engine.
type Options struct {
	Dir      string // the disk cache; "" runs without one
	MemBytes int    // the memory layer's bound; 0 runs without one
	Debug    string // KILN_DEBUG: cacheverify=1, cachehash=1 (comma-separated)
	Warn     func(msg string)
	Trace    io.Writer // where cachehash traces go
}

// An Engine memoises computations. It is safe for concurrent use.
type Engine struct {
	// disk is read by every worker and cleared by the first whose write
	// fails, so it is atomic.
	disk     atomic.Pointer[cache.Cache]
	mem      *cache.Memory
	verify   bool
	trace    io.Writer
	warn     func(string)
	warnOnce sync.Once
	tool     string

	hits, misses atomic.Int64
}

// New returns an engine. A disk cache that cannot be opened is a warning,
// and the engine runs without it.
func New(o Options) *Engine {
	e := &Engine{warn: o.Warn}
	if e.warn == nil {
		e.warn = func(string) {}
	}
	for _, d := range strings.Split(o.Debug, ",") {
		switch strings.TrimSpace(d) {
		case "cacheverify=1":
			e.verify = true
		case "cachehash=1":
			e.trace = o.Trace
		}
	}
	if o.MemBytes > 0 {
		e.mem = cache.NewMemory(o.MemBytes)
	}
	if o.Dir != "" {
		c, err := cache.Open(o.Dir)
		if err != nil {
			e.degrade(err)
		} else {
			e.disk.Store(c)
		}
	}
	e.tool = toolID(e.disk.Load())
	return e
}

func (e *Engine) degrade(err error) {
	e.warnOnce.Do(func() {
		e.warn(fmt.Sprintf("the cache is not usable (%v); running without it", err))
	})
}

// Cache is the disk cache, or nil.
func (e *Engine) Cache() *cache.Cache { return e.disk.Load() }

// Stats returns the hits and misses so far.
func (e *Engine) Stats() (hits, misses int64) { return e.hits.Load(), e.misses.Load() }

// Key starts the ActionID of a computation: its name and version, and
// kiln's own identity, so that a rebuilt kiln never reads what another
// build wrote.
func (e *Engine) Key(stage string, version int) *cache.Hash {
	h := cache.NewHash(fmt.Sprintf("%s/v%d", stage, version), e.trace)
	h.AddString("kiln", e.tool)
	return h
}

// Do returns run's result for id: from memory, from disk, or by running
// it. valid, when not nil, is asked whether a stored result still holds
// (its recorded dependencies unchanged); false is a miss. hit reports
// whether run was spared. A result run returns through Transient is
// returned and never stored (nor compared under cacheverify).
func (e *Engine) Do(id cache.ActionID, run func() ([]byte, error), valid func([]byte) bool) (out []byte, hit bool, err error) {
	stored, ok := e.lookup(id)
	if ok && valid != nil && !valid(stored) {
		ok = false
	}
	if ok && !e.verify {
		e.hits.Add(1)
		return stored, true, nil
	}
	e.misses.Add(1)
	out, err = run()
	var t *transient
	if errors.As(err, &t) {
		return t.out, false, nil // this run's answer, and no other's
	}
	if err != nil {
		return nil, false, err
	}
	if ok && e.verify && !bytes.Equal(stored, out) {
		return nil, false, fmt.Errorf("%w: the cached result of %x differs from a fresh one: the cache key misses an input", ErrVerify, id[:8])
	}
	e.store(id, out)
	return out, false, nil
}

// Transient is what a computation returns, as its error, when its result
// holds for this run only: a time-out or a cancellation cut it short, and
// so it says nothing about the inputs its key hashes. Do hands out to its
// caller as a miss and keeps nothing, so that one slow or abandoned run is
// never the answer of the next.
func Transient(out []byte) error { return &transient{out} }

type transient struct{ out []byte }

func (*transient) Error() string { return "a result cut short, not to be stored" }

func (e *Engine) lookup(id cache.ActionID) ([]byte, bool) {
	if e.mem != nil {
		if b, ok := e.mem.Get(id); ok {
			return b, true
		}
	}
	disk := e.disk.Load()
	if disk == nil {
		return nil, false
	}
	b, err := disk.Get(id)
	if err != nil {
		return nil, false
	}
	if e.mem != nil {
		e.mem.Put(id, b)
	}
	return b, true
}

func (e *Engine) store(id cache.ActionID, out []byte) {
	if e.mem != nil {
		e.mem.Put(id, out)
	}
	if disk := e.disk.Load(); disk != nil {
		if err := disk.Put(id, out); err != nil {
			e.degrade(err)
			e.disk.CompareAndSwap(disk, nil)
		}
	}
}

// toolID names this kiln: its module version for a release; otherwise
// (a development build, or a build from a modified or untagged checkout)
// the Go build ID of the executable, which the go command derives from
// everything the build read, flags included; failing that, the hash of
// the executable, remembered in the cache under the executable's path,
// size and modification time so that each process does not hash tens of
// megabytes again.
func toolID(c *cache.Cache) string {
	bi, _ := debug.ReadBuildInfo()
	exe, err := os.Executable()
	if err != nil {
		exe = ""
	}
	return toolIDOf(bi, exe, c)
}

func toolIDOf(bi *debug.BuildInfo, exe string, c *cache.Cache) string {
	if bi != nil && isRelease(bi) {
		return bi.Main.Path + "@" + bi.Main.Version
	}
	if exe == "" {
		return "unknown"
	}
	if id := goBuildID(exe); id != "" {
		return "buildid:" + id
	}
	return exeHash(exe, c)
}

// pseudoVersion matches the time and commit of a Go pseudo-version
// (v0.0.0-20240102150405-abcdefabcdef, v1.2.4-0.20240102150405-abcdef...).
var pseudoVersion = regexp.MustCompile(`(^|[-.])\d{14}-[0-9a-f]{12}(\+|$)`)

// isRelease reports whether the build is of a tagged release of a clean
// checkout: a version that names exactly one source tree. A version with
// build metadata (+dirty: modified files), a pseudo-version (a commit
// that is not tagged) or a modified VCS checkout names many.
func isRelease(bi *debug.BuildInfo) bool {
	v := bi.Main.Version
	if v == "" || v == "(devel)" || !strings.HasPrefix(v, "v") || strings.Contains(v, "+") || pseudoVersion.MatchString(v) {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.modified" && s.Value == "true" {
			return false
		}
	}
	return true
}

// exeHash hashes the executable, remembering the result in the cache.
func exeHash(exe string, c *cache.Cache) string {
	info, err := os.Stat(exe)
	if err != nil {
		return "unknown"
	}
	stamp := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", exe, info.Size(), info.ModTime().UnixNano()))
	memo := ""
	if c != nil {
		memo = filepath.Join(c.Dir(), "exe-"+hex.EncodeToString(stamp[:16]))
		if b, err := os.ReadFile(memo); err == nil && len(b) == 64 {
			return string(b)
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if memo != "" {
		tmp := memo + ".tmp"
		if os.WriteFile(tmp, []byte(sum), 0o644) == nil {
			os.Rename(tmp, memo)
		}
	}
	return sum
}

// ErrVerify marks a cacheverify failure.
var ErrVerify = errors.New("cacheverify")

// goBuildID reads the Go build ID of an executable, as go tool buildid
// does, or returns "" when there is none. In an ELF binary the linker
// stores it in the note section .note.go.buildid (a note named "Go" of
// type 4); in other formats it is text near the start of the file:
// \xff Go build ID: "..." \n \xff.
func goBuildID(exe string) string {
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		return elfBuildID(f)
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := head[i+len(prefix):]
	j := bytes.Index(rest, []byte(suffix))
	if j <= 0 || j > 200 {
		return ""
	}
	return string(rest[:j])
}

// elfBuildID reads the Go build ID note of an ELF file.
func elfBuildID(f *elf.File) string {
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	note, err := sec.Data()
	if err != nil || len(note) < 16 {
		return ""
	}
	order := f.ByteOrder
	namesz, descsz, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
	const goBuildIDNote = 4
	nameEnd := 12 + int(namesz)
	descStart := 12 + (int(namesz)+3)&^3
	if typ != goBuildIDNote || namesz != 4 || nameEnd > len(note) || string(note[12:nameEnd]) != "Go\x00\x00" ||
		descStart+int(descsz) > len(note) || descsz == 0 {
		return ""
	}
	return string(note[descStart : descStart+int(descsz)])
}
