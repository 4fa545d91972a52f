package cache

import (
	"container/list"
	"context"
	"sync"
)

// Memory is a bounded in-memory layer of recent results, for long-running
// processes such as the language server: the same keys as the disk cache,
// the least recently used entries dropped first once MaxBytes is reached.
type Memory struct {
	MaxBytes int

	mu    sync.Mutex
	bytes int
	order *list.List // of *memEntry, most recent first
	index map[ActionID]*list.Element
}

type memEntry struct {
	id   ActionID
	data []byte
}

// NewMemory returns an empty layer holding up to maxBytes.
func NewMemory(maxBytes int) *Memory {
	return &Memory{MaxBytes: maxBytes, order: list.New(), index: map[ActionID]*list.Element{}}
}

// Get returns the bytes stored for id.
func (m *Memory) Get(_ context.Context, id ActionID) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.index[id]
	if !ok {
		return nil, false
	}
	m.order.MoveToFront(e)
	return e.Value.(*memEntry).data, true
}

// Put stores data for id, evicting the least recently used entries. Data
// larger than the whole layer is not kept, which is no error: a layer may
// forget anything.
func (m *Memory) Put(_ context.Context, id ActionID, data []byte) error {
	if len(data) > m.MaxBytes {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.index[id]; ok {
		m.bytes -= len(e.Value.(*memEntry).data)
		m.order.Remove(e)
	}
	m.index[id] = m.order.PushFront(&memEntry{id: id, data: data})
	m.bytes += len(data)
	for m.bytes > m.MaxBytes {
		last := m.order.Back()
		le := last.Value.(*memEntry)
		m.order.Remove(last)
		delete(m.index, le.id)
		m.bytes -= len(le.data)
	}
	return nil
}
