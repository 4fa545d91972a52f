package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestHitsAndMisses(t *testing.T) {
	dir := t.TempDir()
	runs := 0
	run := func() ([]byte, error) { runs++; return []byte("out"), nil }
	e := New(Options{Debug: noVerify, Dir: dir})
	k := e.Key("stage", 1)
	k.AddString("input", "a")
	id := k.Sum()
	for range 3 {
		if out, _, err := e.Do(id, run, nil); err != nil || string(out) != "out" {
			t.Fatal(out, err)
		}
	}
	if h, m := e.Stats(); h != 2 || m != 1 || runs != 1 {
		t.Errorf("hits %d misses %d runs %d", h, m, runs)
	}
	// Another process (another engine) reads what this one wrote.
	e2 := New(Options{Debug: noVerify, Dir: dir})
	if _, hit, _ := e2.Do(id, run, nil); !hit || runs != 1 {
		t.Error("a second engine recomputed")
	}
	// A stored result whose dependencies changed is a miss.
	if _, hit, _ := e2.Do(id, run, func([]byte) bool { return false }); hit || runs != 2 {
		t.Error("an invalid result was used")
	}
}

func TestVerifyCatchesAKeyThatMissesAnInput(t *testing.T) {
	dir := t.TempDir()
	e := New(Options{Dir: dir})
	id := e.Key("stage", 1).Sum() // a key that leaves the input out
	e.Do(id, func() ([]byte, error) { return []byte("for input a"), nil }, nil)
	v := New(Options{Dir: dir, Debug: "cacheverify=1"})
	_, _, err := v.Do(id, func() ([]byte, error) { return []byte("for input b"), nil }, nil)
	if !errors.Is(err, ErrVerify) {
		t.Fatalf("got %v, want a cacheverify failure", err)
	}
	if _, hit, err := v.Do(id, func() ([]byte, error) { return []byte("for input a"), nil }, nil); err != nil || !hit {
		t.Errorf("an equal recomputation: hit %v, %v; want a verified hit", hit, err)
	}
	// Verified hits count as hits: a run reports the same counts with
	// and without cacheverify.
	if hits, misses := v.Stats(); hits != 2 || misses != 0 {
		t.Errorf("stats under cacheverify: %d hits, %d misses; want 2, 0", hits, misses)
	}
}

func TestReadOnlyCacheDegradesWithOneWarning(t *testing.T) {
	// A file where the directory should be: unwritable even for root,
	// which ignores a read-only mode.
	dir := filepath.Join(t.TempDir(), "cache")
	os.WriteFile(dir, []byte("not a directory"), 0o644)
	var warnings []string
	e := New(Options{Dir: dir, Warn: func(m string) { warnings = append(warnings, m) }})
	for i := range 3 {
		out, _, err := e.Do(e.Key("s", 1).Sum(), func() ([]byte, error) { return []byte{byte(i)}, nil }, nil)
		if err != nil || len(out) != 1 {
			t.Fatal(out, err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "running without it") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestMemoryLayer(t *testing.T) {
	e := New(Options{Debug: noVerify, MemBytes: 1 << 20})
	runs := 0
	id := e.Key("s", 1).Sum()
	for range 2 {
		e.Do(id, func() ([]byte, error) { runs++; return []byte("x"), nil }, nil)
	}
	if runs != 1 {
		t.Errorf("ran %d times with a memory layer", runs)
	}
}

// A disk cache that stops working in the middle of a run (removed and
// replaced by a file, full, made read-only) degrades the engine while
// workers are looking up and storing: with one warning, never a race
// (go test -race) nor a failed computation.
func TestCacheFailingMidRunDegradesSafely(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var mu sync.Mutex
	var warnings []string
	e := New(Options{Dir: dir, Warn: func(m string) { mu.Lock(); warnings = append(warnings, m); mu.Unlock() }})
	if e.Cache() == nil {
		t.Fatal("the cache did not open")
	}
	// Unwritable from now on, even for root.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				k := e.Key("s", 1)
				k.AddString("i", fmt.Sprint(g, i))
				want := fmt.Sprint("out ", g, i)
				out, _, err := e.Do(k.Sum(), func() ([]byte, error) { return []byte(want), nil }, nil)
				if err != nil || string(out) != want {
					t.Errorf("got %q, %v", out, err)
				}
				_ = e.Cache()
			}
		}()
	}
	wg.Wait()
	if e.Cache() != nil {
		t.Error("the engine still uses a cache that fails")
	}
	if len(warnings) != 1 {
		t.Errorf("warnings: %q", warnings)
	}
}

// An output deleted from the disk cache (by another process, between two
// runs or during one) is recomputed to the same bytes, and stored again.
func TestDeletedOutputIsRecomputed(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("z", 100<<10)
	runs := 0
	run := func() ([]byte, error) { runs++; return []byte(big), nil }
	e := New(Options{Dir: dir})
	id := e.Key("s", 1).Sum()
	e.Do(id, run, nil)
	outputs, _ := filepath.Glob(filepath.Join(dir, "*", "*-d"))
	if len(outputs) != 1 {
		t.Fatalf("outputs %v", outputs)
	}
	os.Remove(outputs[0])
	e2 := New(Options{Dir: dir})
	out, hit, err := e2.Do(id, run, nil)
	if err != nil || hit || string(out) != big || runs != 2 {
		t.Fatalf("hit %v, err %v, runs %d, identical %v", hit, err, runs, string(out) == big)
	}
	if out, hit, _ := New(Options{Dir: dir}).Do(id, run, nil); !hit || string(out) != big {
		t.Error("the recomputed output was not stored again")
	}
}

// A result cut short is this run's answer only: it is returned, never
// stored in memory or on disk, and a stored result is not judged by it.
func TestTransientResultsAreNeverStored(t *testing.T) {
	dir := t.TempDir()
	e := New(Options{Dir: dir, MemBytes: 1 << 20})
	id := e.Key("stage", 1).Sum()
	cut := func() ([]byte, error) { return nil, Transient([]byte("timed out")) }
	out, hit, err := e.Do(id, cut, nil)
	if err != nil || hit || string(out) != "timed out" {
		t.Fatalf("got %q hit=%v err=%v", out, hit, err)
	}
	for _, eng := range []*Engine{e, New(Options{Dir: dir})} { // memory, disk
		if b, ok := eng.lookup(context.Background(), id); ok {
			t.Errorf("the cut-short result was stored: %q", b)
		}
	}
	full := func() ([]byte, error) { return []byte("built"), nil }
	if out, hit, _ := e.Do(id, full, nil); hit || string(out) != "built" {
		t.Errorf("after a cut-short run: got %q hit=%v", out, hit)
	}
	// Under cacheverify, a stored result recomputed and cut short is not
	// a key that misses an input.
	v := New(Options{Dir: dir, Debug: "cacheverify=1"})
	if out, _, err := v.Do(id, cut, nil); err != nil || string(out) != "timed out" {
		t.Errorf("cacheverify of a cut-short recomputation: %q, %v", out, err)
	}
	if out, hit, _ := New(Options{Dir: dir}).Do(id, full, nil); !hit || string(out) != "built" {
		t.Errorf("the stored result was replaced: %q hit=%v", out, hit)
	}
}

// noVerify keeps a KILN_DEBUG=cacheverify=1 of the test run out of a test
// of the cache's hits themselves, which verification turns into
// recomputations.
const noVerify = "cacheverify=0"
