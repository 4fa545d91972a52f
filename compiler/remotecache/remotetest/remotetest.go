// Package remotetest is a remote cache server in memory that speaks the
// HTTP protocol of Bazel's remote caches, for tests of the remote store
// and of the kiln command: GET and PUT of /ac/<sha256> and /cas/<sha256>
// under any path prefix. It checks what it is sent as bazel-remote does
// by default, so that a client that bazel-remote would refuse fails:
// content must hash to its key, and an action entry must be a Bazel
// ActionResult whose output files are in the cache already (bazel-remote
// answers an action entry only while they are). Like bazel-remote, it
// adds execution_metadata naming the writer to each action entry it
// keeps.
package remotetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
)

// A Cache is an http.Handler holding entries by path. It is safe for
// concurrent use.
type Cache struct {
	mu      sync.Mutex
	entries map[string][]byte // by "ac/<hex>" or "cas/<hex>"

	Gets, Puts atomic.Int64 // requests served
}

// New returns an empty cache.
func New() *Cache { return &Cache{entries: map[string][]byte{}} }

// key is the entry a path names, its prefix left out.
var key = regexp.MustCompile(`(?:^|/)((?:ac|cas)/[0-9a-f]{64})$`)

// maxBody bounds what a PUT may hold, as a real server's configuration
// does.
const maxBody = 64 << 20

func (c *Cache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := key.FindStringSubmatch(r.URL.Path)
	if m == nil {
		http.Error(w, "not a cache path", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		c.Gets.Add(1)
		b, ok := c.Entry(m[1])
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	case http.MethodPut:
		c.Puts.Add(1)
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if sum := sha256.Sum256(b); m[1][:4] == "cas/" && m[1][4:] != hex.EncodeToString(sum[:]) {
			http.Error(w, "content does not hash to its key", http.StatusBadRequest)
			return
		}
		if m[1][:3] == "ac/" {
			if b, err = c.checkAction(b, r.RemoteAddr); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		c.Set(m[1], b)
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
	}
}

// checkAction checks an action entry written by worker, and returns what
// to keep.
func (c *Cache) checkAction(b []byte, worker string) ([]byte, error) {
	ds, hasMetadata, err := checkActionResult(b)
	if err != nil {
		return nil, fmt.Errorf("not an ActionResult: %v", err)
	}
	for _, d := range ds {
		if content, ok := c.Entry("cas/" + d.hash); !ok || int64(len(content)) != d.size {
			return nil, fmt.Errorf("the ActionResult names content the cache lacks: %s/%d", d.hash, d.size)
		}
	}
	if hasMetadata {
		return b, nil
	}
	return withWorker(b, worker), nil
}

// Entry returns the entry at key ("ac/<hex>" or "cas/<hex>").
func (c *Cache) Entry(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.entries[key]
	return b, ok
}

// Set puts an entry, as a server's disk may hold anything.
func (c *Cache) Set(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = b
}

// Keys lists the entries, sorted.
func (c *Cache) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.entries {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
