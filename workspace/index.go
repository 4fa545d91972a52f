package workspace

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
)

// A checkIndex is one file of the disk cache holding the results of a
// kiln check of the same paths, by their keys: a run with nothing
// changed reads that one file instead of an entry per app, and decodes
// it in one pass (gob) instead of each app's JSON. It only accelerates
// the engine: an app's result is taken from it under the key the engine
// would have asked, and only while the files the result recorded still
// read the same (checkStage.Holds); an app it does not answer goes
// through the engine.
//
// The index is two cache entries (each hashed, renamed into place,
// trimmed like any other): a base, and a delta of the results the base
// lacks, which names the base it was written beside. A run whose results
// the index did not all hold writes the delta alone while it stays small
// beside the base, so that a change to one app of ten thousand does not
// rewrite ten thousand results; past that, or when a quarter of the base
// is results no run asks for any more (apps changed or removed), it
// writes a new base, and the old delta, naming the old base, is ignored.
// Each write also stores a stamp (indexStamp), which changedSince reads
// before the index itself.
//
// Under KILN_DEBUG=cacheverify=1 every app is computed again through the
// engine, and an index entry that differs from the fresh result fails
// the run as a stale engine entry does.
type checkIndex struct {
	c      *cache.Cache
	id     cache.ActionID // the index's own key
	verify bool
	old    map[cache.ActionID]checked1
	hits   atomic.Int64

	base map[cache.ActionID]bool // the results the base holds
	gen  [16]byte                // the base's generation

	// hinted is set when changedSince found some definitions modified
	// since the index was written, but not most; seen holds the
	// modification time it read of each, and modified those that differ
	// from the stamp's, which a hinted run computes first (see first). A
	// run that finds any modified and then computes nothing (a file
	// touched, or changed and changed back; a fresh checkout) still
	// writes the stamp, or every later run would load its tools for
	// nothing, or, after a checkout, take every definition for modified
	// and never hint.
	hinted   bool
	seen     map[string]int64
	modified map[string]bool

	mu       sync.Mutex
	entries  map[cache.ActionID]checked1 // this run's results
	computed map[cache.ActionID]bool     // the results computed, not read from the index
	delta    map[cache.ActionID]bool     // the results the delta holds
}

// indexFile is the index as stored: gob, which decodes a thousand apps'
// results several times faster than JSON does, with the results'
// findings moved to columns of integers and a table of their distinct
// strings (indexwire.go).
type indexFile struct {
	// Gen is a base's generation, chosen at random when it is written;
	// a delta carries its base's.
	Gen     [16]byte
	IDs     []cache.ActionID
	Results []checked1 // without their findings
	Strings []string   // every distinct string of the findings
	Wires   []int64    // each result's findings, in Results' order
}

// indexVersion changes when indexFile, checked1 or the columns change
// shape.
const indexVersion = 6

// indexStamp is what the modified-since hint needs of an index, stored
// beside it: small, so that the hint is read, and the definitions
// stated, while the index itself is still being read and decoded.
type indexStamp struct {
	Names  []string // the definitions of its results, sorted
	MTimes []int64  // each one's modification time (Unix nanoseconds) as the run that wrote the index saw it
}

// openCheckIndex returns the index of a check of paths (as given) and
// shard in eng's disk cache, not yet read (see load); nil when there is
// no disk cache.
func openCheckIndex(eng *engine.Engine, paths []string, shard Shard) *checkIndex {
	c := eng.Cache()
	if c == nil {
		return nil
	}
	h := eng.Key("check-index", indexVersion) // kiln's identity: no other build's index
	wd, _ := workingDir()
	h.AddString("wd", wd)
	h.AddString("shard", fmt.Sprintf("%d/%d", shard.I, shard.N))
	for _, p := range paths {
		h.AddString("path", filepath.Clean(p))
	}
	return &checkIndex{c: c, id: h.Sum(), verify: eng.Verifying(), old: map[cache.ActionID]checked1{}, base: map[cache.ActionID]bool{}, entries: map[cache.ActionID]checked1{}, computed: map[cache.ActionID]bool{}, delta: map[cache.ActionID]bool{}}
}

// load reads the index's base and delta. It may run beside
// changedSince, and must be done before check is asked.
func (x *checkIndex) load() {
	if x == nil {
		return
	}
	base, ok := readIndexFile(x.c, x.id)
	if !ok {
		return
	}
	x.gen = base.Gen
	// Sized for the base, as a run mostly asks for what it holds: a map
	// of a thousand results grown a doubling at a time costs a run fresh
	// memory for every size it passes.
	x.old, x.base, x.entries = make(map[cache.ActionID]checked1, len(base.IDs)), make(map[cache.ActionID]bool, len(base.IDs)), make(map[cache.ActionID]checked1, len(base.IDs))
	for i, id := range base.IDs {
		x.old[id], x.base[id] = base.Results[i], true
	}
	if delta, ok := readIndexFile(x.c, x.deltaID()); ok && delta.Gen == base.Gen {
		for i, id := range delta.IDs {
			x.old[id], x.delta[id] = delta.Results[i], true
		}
	}
}

// changedSince reports whether some definitions the index holds results
// of, but not most, were modified since the index was written: their
// modification times differ from the stamp's. It is a hint, read while
// the repository is scanned, that an app will be computed (and its tools
// are worth loading at once), never a reason to trust or distrust a
// result, which the keys alone decide. Most of them modified is a fresh
// checkout (a CI job restoring its cache), whose times say nothing of
// what changed. It reads the index's stamp, not the index.
func (x *checkIndex) changedSince() bool {
	if x == nil {
		return false
	}
	var stamp indexStamp
	b, err := x.c.Read(x.stampID())
	if err != nil || gob.NewDecoder(bytes.NewReader(b)).Decode(&stamp) != nil || len(stamp.Names) != len(stamp.MTimes) {
		return false
	}
	x.seen = make(map[string]int64, len(stamp.Names))
	x.modified = map[string]bool{}
	for i, name := range stamp.Names {
		info, err := os.Stat(name)
		if err != nil {
			continue // removed: the scan tells
		}
		if x.seen[name] = info.ModTime().UnixNano(); x.seen[name] != stamp.MTimes[i] {
			x.modified[name] = true
		}
	}
	x.hinted = len(x.modified) > 0 && len(x.modified) <= len(stamp.Names)/2
	return x.hinted
}

// forEach calls f with the index of each of inputs, jobs at a time, in
// the order first gives.
func (x *checkIndex) forEach(inputs []input, jobs int, f func(i int)) {
	order := x.first(inputs)
	forEach(len(order), jobs, func(j int) { f(order[j]) })
}

// first orders the inputs of a hinted run for its workers: the
// definitions modified since the stamp, and those it does not know
// (added since), before the others, so that the apps to compute start at
// once and the index answers the rest beside them. Without the hint it
// is the inputs' own order. It returns indexes into inputs; results stay
// in the inputs' order whatever the order of the work.
func (x *checkIndex) first(inputs []input) []int {
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = i
	}
	if x == nil || !x.hinted {
		return order
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(x.rank(inputs[a].file.Name), x.rank(inputs[b].file.Name))
	})
	return order
}

// rank is 0 for a definition a hinted run will likely compute, else 1.
func (x *checkIndex) rank(name string) int {
	if _, known := x.seen[name]; !known || x.modified[name] {
		return 0
	}
	return 1
}

// deltaID is the key of the index's delta.
func (x *checkIndex) deltaID() cache.ActionID {
	h := cache.NewHash("check-index-delta", nil)
	h.Add("base", x.id[:])
	return h.Sum()
}

// stampID is the key of the index's stamp.
func (x *checkIndex) stampID() cache.ActionID {
	h := cache.NewHash("check-index-stamp", nil)
	h.Add("index", x.id[:])
	return h.Sum()
}

// readIndexFile reads one entry of an index; ok is false when there is
// none, or it is damaged (the cache's hash) or of another shape.
func readIndexFile(c *cache.Cache, id cache.ActionID) (f indexFile, ok bool) {
	b, err := c.Read(id)
	if err != nil {
		return f, false
	}
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&f) != nil || len(f.IDs) != len(f.Results) {
		return f, false
	}
	wires := &wireReader{strings: f.Strings, col: f.Wires}
	for i := range f.Results {
		wires.getFindings(&f.Results[i])
	}
	return f, wires.err == nil && wires.at == len(wires.col)
}

// empty reports whether the index holds no result: a run without a
// disk cache, or the first over these paths.
func (x *checkIndex) empty() bool { return x == nil || len(x.old) == 0 }

// check is checkApp through the index.
func (x *checkIndex) check(eng *engine.Engine, k checkIn) (checked1, error) {
	if x == nil {
		r, _, err := checkStage.Do(ctxOf(k.App.App), eng, k)
		return r, err
	}
	id, err := checkStage.Key(eng, k)
	if err != nil {
		return checked1{}, err
	}
	old, had := x.old[id]
	if had && !x.verify && checkStage.Holds(k, old) {
		x.hits.Add(1)
		x.keep(id, old, false)
		return old, nil
	}
	r, _, kept, err := checkStage.DoKept(ctxOf(k.App.App), eng, k)
	if err != nil {
		return r, err
	}
	if had && x.verify && checkStage.Holds(k, old) && !sameResult(old, r) {
		return r, fmt.Errorf("%w: the indexed result of %x differs from a fresh one: the cache key misses an input", engine.ErrVerify, id[:8])
	}
	// A result cut short (a time-out, an app it depends on not found) is
	// not stored, and the entry under id is then an older one whose
	// recorded reads no longer hold: indexing this one in its place would
	// answer later runs with a result nobody stored.
	if kept {
		x.keep(id, r, true)
	}
	return r, nil
}

func (x *checkIndex) keep(id cache.ActionID, r checked1, computed bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries[id] = r
	if computed {
		x.computed[id] = true
	}
}

// Hits counts the apps the index answered.
func (x *checkIndex) Hits() int64 {
	if x == nil {
		return 0
	}
	return x.hits.Load()
}

// close writes the index back when this run had results it did not
// hold (a delta, or a new base; see checkIndex), when a quarter of its
// base is results this run did not use, or when changedSince found the
// stamp's times out of date (the stamp alone; see hinted). A write that
// fails leaves the old index, which only costs its misses.
func (x *checkIndex) close() {
	if x == nil {
		return
	}
	// fresh are this run's results the base does not hold as they are:
	// new keys, and results computed again under a key it holds (a file
	// an app imports changed), in this run or one the delta kept.
	var fresh []cache.ActionID
	used := 0 // the base's keys this run asked
	for id := range x.entries {
		if x.base[id] {
			used++
		}
		if !x.base[id] || x.computed[id] || x.delta[id] {
			fresh = append(fresh, id)
		}
	}
	stale := len(x.base)-used > len(x.base)/4
	switch {
	case len(x.computed) == 0 && !stale:
		if len(x.modified) > 0 {
			x.writeStamp()
		}
	case len(x.base) > 0 && !stale && len(fresh) <= len(x.base)/8:
		x.write(x.deltaID(), x.gen, fresh)
	default:
		var gen [16]byte
		rand.Read(gen[:])
		x.write(x.id, gen, slices.Collect(maps.Keys(x.entries)))
	}
}

// write stores the results of ids as one entry of the index, and then
// the index's stamp.
func (x *checkIndex) write(id cache.ActionID, gen [16]byte, ids []cache.ActionID) {
	f := indexFile{Gen: gen}
	wires := newWireColumns()
	for _, k := range ids {
		f.IDs, f.Results = append(f.IDs, k), append(f.Results, wires.putFindings(x.entries[k]))
	}
	f.Strings, f.Wires = wires.strings, wires.col
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(f) != nil || x.c.Write(id, buf.Bytes()) != nil {
		return
	}
	x.writeStamp()
}

// writeStamp stores the index's stamp: the definitions of this run's
// results, with the modification times changedSince read of them (a stat
// now of the others).
func (x *checkIndex) writeStamp() {
	var names []string
	for _, r := range x.entries {
		names = append(names, r.File.Name)
	}
	slices.Sort(names)
	var stamp indexStamp
	for _, name := range slices.Compact(names) {
		mtime, ok := x.seen[name]
		if !ok {
			info, err := os.Stat(name)
			if err != nil {
				continue
			}
			mtime = info.ModTime().UnixNano()
		}
		stamp.Names, stamp.MTimes = append(stamp.Names, name), append(stamp.MTimes, mtime)
	}
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(stamp) == nil {
		x.c.Write(x.stampID(), buf.Bytes())
	}
}

// sameResult compares a result from the index with one from the engine,
// as the report sees them: gob does not tell an empty list or map from a
// missing one, and neither does a report.
func sameResult(a, b checked1) bool {
	ca, erra := canonical(a)
	cb, errb := canonical(b)
	return erra == nil && errb == nil && bytes.Equal(ca, cb)
}

func canonical(r checked1) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(r); err != nil {
		return nil, err
	}
	var back checked1
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
		return nil, err
	}
	return json.Marshal(back) // map keys sorted, unlike gob's
}
