// Package engine runs kiln's stages through the cache: a computation named
// by the hash of everything it reads (an ActionID) runs once, and later
// runs, in this process or another, read its result.
//
// A Stage is such a computation: a name, a version, and Run from an input
// In to a result Out. Its key is computed by one function, HashInput,
// from every exported field of In, so that no caller writes a key by hand
// and no two callers key the same computation differently. A field that
// is no input (a reader, a logger, a context) is tagged key:"-"; any
// other field the walk cannot hash is an error, never skipped. Tests prove
// an input fully keyed with enginetest.CheckKeyed. Stage.Do stores the
// JSON-encoded result; errors, cancelled runs and results cut short
// (ErrTransient) are never stored; concurrent calls with one key share one
// run. Engine.Key and Engine.Do remain for computations keyed by hand.
//
// Results are kept in stores (cache.Store), asked in order: a bounded
// in-memory layer that answers repeated questions of a long-running
// process, the disk cache (compiler/cache) that answers across processes,
// then any further store (Options.Stores, such as a remote cache). A hit
// in a later store is copied into the earlier ones.
//
// A store that cannot be written (read-only, full) degrades the run to
// running without it, with one warning; it never fails it.
// KILN_DEBUG=cacheverify=1 recomputes every hit and fails loudly when the
// result differs from the stored one, which means a key left out an input;
// KILN_DEBUG=cachehash=1 traces every input of every key to stderr, each
// field of a stage's input by its name.
package engine

import (
	"bytes"
	"context"
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
	Debug    string // KILN_DEBUG: cacheverify=1, cachehash=1 (comma-separated); "" reads the environment's
	Warn     func(msg string)
	Trace    io.Writer // where cachehash traces go
	// Stores are asked, in order, after the memory layer and the disk
	// cache (a remote cache): a hit in one is copied into every store
	// before it, and every result is put in all of them.
	Stores []cache.Store
}

// An Engine memoises computations. It is safe for concurrent use.
type Engine struct {
	// disk is read by every worker and cleared by the first whose write
	// fails, so it is atomic.
	disk     atomic.Pointer[cache.Cache]
	layers   []*layer // memory, disk, then Options.Stores
	verify   bool
	trace    io.Writer
	warn     func(string)
	warnOnce sync.Once // the disk cache's one warning
	tool     string

	hits, misses atomic.Int64

	mu      sync.Mutex
	flights map[cache.ActionID]*flight // Stage.Do calls running, by key
}

// A layer is one store of the engine. One whose Put fails is not asked
// again: a store that cannot keep results would only cost time.
type layer struct {
	store cache.Store
	dead  atomic.Bool
	once  sync.Once
	fail  func(err error) // warns, once
}

// New returns an engine. A disk cache that cannot be opened is a warning,
// and the engine runs without it.
func New(o Options) *Engine {
	e := &Engine{warn: o.Warn, flights: map[cache.ActionID]*flight{}}
	if e.warn == nil {
		e.warn = func(string) {}
	}
	debug := o.Debug
	if debug == "" {
		// Library callers (and the test suite) name no Debug; the
		// switch works for them as for the command.
		debug = os.Getenv("KILN_DEBUG")
	}
	for _, d := range strings.Split(debug, ",") {
		switch strings.TrimSpace(d) {
		case "cacheverify=1":
			e.verify = true
		case "cachehash=1":
			e.trace = o.Trace
		}
	}
	if o.MemBytes > 0 {
		e.layers = append(e.layers, &layer{store: cache.NewMemory(o.MemBytes), fail: func(error) {}})
	}
	if o.Dir != "" {
		c, err := cache.Open(o.Dir)
		if err != nil {
			e.degrade(err)
		} else {
			e.disk.Store(c)
			e.layers = append(e.layers, &layer{store: c, fail: func(err error) {
				e.degrade(err)
				e.disk.CompareAndSwap(c, nil)
			}})
		}
	}
	for _, s := range o.Stores {
		e.layers = append(e.layers, &layer{store: s, fail: func(err error) {
			e.warn(fmt.Sprintf("the cache %v is not usable (%v); running without it", s, err))
		}})
	}
	e.tool = toolID(e.disk.Load())
	return e
}

func (e *Engine) degrade(err error) {
	e.warnOnce.Do(func() {
		e.warn(fmt.Sprintf("the cache is not usable (%v); running without it", err))
	})
}

// Verifying reports whether KILN_DEBUG=cacheverify=1 is set: a caller
// that keeps results of its own beside the engine's compares them with
// fresh ones too.
func (e *Engine) Verifying() bool { return e.verify }

// Cache is the disk cache, or nil.
func (e *Engine) Cache() *cache.Cache { return e.disk.Load() }

// Stats returns the hits and misses so far. A Stage.Do call that took the
// result of a concurrent call's run counts as a hit.
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
	r := e.do(context.Background(), id, run, valid)
	return r.out, r.hit, r.err
}

// A result is what one lookup or run answered.
type result struct {
	out       []byte
	hit       bool
	transient bool // out answers this run only: never stored
	err       error
}

// do is Do for both APIs: the lookups, cacheverify, the stats, storing.
func (e *Engine) do(ctx context.Context, id cache.ActionID, run func() ([]byte, error), valid func([]byte) bool) result {
	stored, ok := e.lookup(ctx, id)
	if ok && valid != nil && !valid(stored) {
		ok = false
	}
	// A hit recomputed under cacheverify still counts as a hit, so that
	// a run reports the same counts with and without it.
	if ok {
		e.hits.Add(1)
	} else {
		e.misses.Add(1)
	}
	if ok && !e.verify {
		return result{out: stored, hit: true}
	}
	out, err := run()
	var t *transient
	if errors.As(err, &t) {
		return result{out: t.out, transient: true} // this run's answer, and no other's
	}
	if err != nil {
		return result{err: err}
	}
	if ok && e.verify {
		if !bytes.Equal(stored, out) {
			return result{err: fmt.Errorf("%w: the cached result of %x differs from a fresh one: the cache key misses an input", ErrVerify, id[:8])}
		}
		return result{out: stored, hit: true}
	}
	e.store(ctx, id, out)
	return result{out: out}
}

// Transient is what a computation returns, as its error, when its result
// holds for this run only: a time-out or a cancellation cut it short, and
// so it says nothing about the inputs its key hashes. Do hands out to its
// caller as a miss and keeps nothing, so that one slow or abandoned run is
// never the answer of the next. The error is ErrTransient.
func Transient(out []byte) error { return &transient{out} }

type transient struct{ out []byte }

func (*transient) Error() string        { return ErrTransient.Error() }
func (*transient) Is(target error) bool { return target == ErrTransient }

// lookup asks each store in turn, and copies a hit into the stores
// before the one that had it, so that the next lookup stops sooner.
func (e *Engine) lookup(ctx context.Context, id cache.ActionID) ([]byte, bool) {
	for i, l := range e.layers {
		if l.dead.Load() {
			continue
		}
		b, ok := l.store.Get(ctx, id)
		if !ok {
			continue
		}
		for _, before := range e.layers[:i] {
			before.put(ctx, id, b)
		}
		return b, true
	}
	return nil, false
}

func (e *Engine) store(ctx context.Context, id cache.ActionID, out []byte) {
	for _, l := range e.layers {
		l.put(ctx, id, out)
	}
}

// put stores out in l unless l has failed; its first failure is its last.
func (l *layer) put(ctx context.Context, id cache.ActionID, out []byte) {
	if l.dead.Load() {
		return
	}
	if err := l.store.Put(ctx, id, out); err != nil {
		l.dead.Store(true)
		l.once.Do(func() { l.fail(err) })
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
