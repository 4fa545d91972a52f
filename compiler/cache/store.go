package cache

import "context"

// A Store keeps results by ActionID: the memory layer, the disk cache, and
// any store behind them (a remote cache). Keys are computed outside the
// store, so a store never changes what a key means.
//
// A store may forget anything; a Get that cannot answer (absent, corrupt,
// unreachable) is a miss, never an error. Put reports a store that cannot
// take results (read-only, full, gone), which its user may stop using.
// Both are safe for concurrent use.
type Store interface {
	Get(ctx context.Context, id ActionID) ([]byte, bool)
	Put(ctx context.Context, id ActionID, data []byte) error
}

var (
	_ Store = (*Cache)(nil)
	_ Store = (*Memory)(nil)
)

// Get returns the bytes recorded for id; any doubt is a miss (see Read
// for the reason).
func (c *Cache) Get(_ context.Context, id ActionID) ([]byte, bool) {
	b, err := c.Read(id)
	return b, err == nil
}

// Put records data as the output of id (see Write).
func (c *Cache) Put(_ context.Context, id ActionID, data []byte) error {
	return c.Write(id, data)
}

// String names the cache by its directory, for messages.
func (c *Cache) String() string { return c.dir }
