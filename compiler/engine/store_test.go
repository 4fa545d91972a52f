package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kilnhq/kiln/compiler/cache"
)

// mapStore is a store such as a remote cache, in memory.
type mapStore struct {
	mu         sync.Mutex
	data       map[cache.ActionID][]byte
	gets, puts int
	fail       error
}

func newMapStore() *mapStore { return &mapStore{data: map[cache.ActionID][]byte{}} }

func (m *mapStore) Get(_ context.Context, id cache.ActionID) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	b, ok := m.data[id]
	return b, ok
}

func (m *mapStore) Put(_ context.Context, id cache.ActionID, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if m.fail != nil {
		return m.fail
	}
	m.data[id] = b
	return nil
}

func (m *mapStore) String() string { return "remote" }

func TestAHitInALaterStoreIsCopiedToTheEarlierOnes(t *testing.T) {
	ctx := context.Background()
	remote := newMapStore()
	s := Stage[string, string]{Name: "layers", Version: 1, Run: func(_ context.Context, in string) (string, error) { return "built " + in, nil }}
	first := New(Options{Dir: t.TempDir(), MemBytes: 1 << 20, Stores: []cache.Store{remote}})
	s.Do(ctx, first, "x")
	id, _ := s.Key(first, "x")
	if _, ok := remote.data[id]; !ok {
		t.Fatal("the result was not put in the further store")
	}

	// Another machine: an empty memory layer and disk cache, the same
	// further store.
	dir := t.TempDir()
	e := New(Options{Dir: dir, MemBytes: 1 << 20, Stores: []cache.Store{remote}})
	out, hit, err := s.Do(ctx, e, "x")
	if err != nil || !hit || out != `built x` {
		t.Fatalf("%q hit=%v err=%v", out, hit, err)
	}
	if b, ok := e.layers[0].store.Get(ctx, id); !ok || string(b) != `"built x"` {
		t.Errorf("not copied to the memory layer: %q", b)
	}
	if b, err := e.Cache().Read(id); err != nil || string(b) != `"built x"` {
		t.Errorf("not copied to the disk cache: %q %v", b, err)
	}
	gets := remote.gets
	if _, hit, _ := s.Do(ctx, e, "x"); !hit || remote.gets != gets {
		t.Error("the next lookup asked the further store again")
	}
	if _, hit, _ := s.Do(ctx, New(Options{Dir: dir}), "x"); !hit {
		t.Error("the copy on disk does not answer another process")
	}
}

func TestAFailingStoreIsDroppedWithOneWarning(t *testing.T) {
	remote := newMapStore()
	remote.fail = errors.New("403 forbidden")
	var warnings []string
	e := New(Options{MemBytes: 1 << 20, Stores: []cache.Store{remote}, Warn: func(m string) { warnings = append(warnings, m) }})
	for _, in := range []string{"a", "b", "c"} {
		k := e.Key("s", 1)
		k.AddString("in", in)
		if out, _, err := e.Do(k.Sum(), func() ([]byte, error) { return []byte(in), nil }, nil); err != nil || string(out) != in {
			t.Fatalf("%q %v", out, err)
		}
	}
	if remote.puts != 1 || remote.gets != 1 {
		t.Errorf("a failing store was used on: %d puts, %d gets", remote.puts, remote.gets)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "the cache remote is not usable (403 forbidden)") {
		t.Errorf("warnings: %q", warnings)
	}
}
