package workspace

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"path/filepath"
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
// through the engine. The index is written back, as one cache entry
// (hashed, renamed into place, trimmed like any other), when the run's
// results differ from what it held.
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

	mu      sync.Mutex
	entries map[cache.ActionID]checked1 // this run's results
	changed bool                        // a result the index did not hold
}

// indexFile is the index as stored: gob, which decodes a thousand apps'
// results several times faster than JSON does, with the results'
// findings moved to columns of integers and a table of their distinct
// strings (indexwire.go).
type indexFile struct {
	IDs     []cache.ActionID
	Results []checked1 // without their findings
	Strings []string   // every distinct string of the findings
	Wires   []int64    // each result's findings, in Results' order
}

// indexVersion changes when indexFile, checked1 or the columns change
// shape.
const indexVersion = 3

// openCheckIndex reads the index of a check of paths (as given) and
// shard from eng's disk cache; nil when there is no disk cache.
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
	x := &checkIndex{c: c, id: h.Sum(), verify: eng.Verifying(), old: map[cache.ActionID]checked1{}, entries: map[cache.ActionID]checked1{}}
	b, err := c.Read(x.id) // hashed: a damaged index is a miss
	if err != nil {
		return x
	}
	var f indexFile
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&f) != nil || len(f.IDs) != len(f.Results) {
		return x // another shape: read nothing from it
	}
	wires := &wireReader{strings: f.Strings, col: f.Wires}
	for i := range f.Results {
		wires.getFindings(&f.Results[i])
	}
	if wires.err != nil || wires.at != len(wires.col) {
		return x
	}
	for i, id := range f.IDs {
		x.old[id] = f.Results[i]
	}
	return x
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

func (x *checkIndex) keep(id cache.ActionID, r checked1, changed bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries[id] = r
	x.changed = x.changed || changed
}

// Hits counts the apps the index answered.
func (x *checkIndex) Hits() int64 {
	if x == nil {
		return 0
	}
	return x.hits.Load()
}

// close writes the index back when this run's results are not the ones
// it held; a write that fails leaves the old index, which only costs
// its misses.
func (x *checkIndex) close() {
	if x == nil || (!x.changed && len(x.entries) == len(x.old)) {
		return
	}
	var f indexFile
	wires := newWireColumns()
	for id, r := range x.entries {
		f.IDs, f.Results = append(f.IDs, id), append(f.Results, wires.putFindings(r))
	}
	f.Strings, f.Wires = wires.strings, wires.col
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(f) == nil {
		x.c.Write(x.id, buf.Bytes())
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
