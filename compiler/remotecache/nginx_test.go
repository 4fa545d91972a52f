package remotecache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/internal/davcache"
	"github.com/kilnhq/kiln/internal/toolcheck"
)

// TestNginx runs the store against nginx with WebDAV, configured as
// Bazel's documentation configures an HTTP cache.
func TestNginx(t *testing.T) {
	url, data := startNginx(t)
	var w warnings
	wr := newStore(t, url, true, &w)
	out := []byte(`{"apps":["checkout"]}`)
	if err := wr.Put(ctx, id("a"), out); err != nil {
		t.Fatal(err)
	}
	if ws := w.list(); len(ws) != 0 || wr.Stats().Puts != 1 {
		t.Fatalf("nginx refused the writes: %q, %+v", ws, wr.Stats())
	}
	rec, err := os.ReadFile(filepath.Join(data, "kiln", "ac", actionKey(id("a"))))
	if _, perr := parseRecord(rec, id("a")); err != nil || perr != nil {
		t.Fatalf("the record on nginx's disk: %q %v", rec, err)
	}
	r := newStore(t, url, false, &w)
	if b, ok := r.Get(ctx, id("a")); !ok || !bytes.Equal(b, out) {
		t.Errorf("Get = %q, %v", b, ok)
	}
	if _, ok := r.Get(ctx, id("absent")); ok || r.Off() {
		t.Error("nginx's 404 was not a plain miss")
	}
	// What nginx keeps is what the server's disk holds: a damaged file
	// is a miss.
	os.WriteFile(filepath.Join(data, "kiln", "cas", fmt.Sprintf("%x", sha256.Sum256(out))), []byte(`{"apps":["CHECKOUT"]}`), 0o644)
	if b, ok := newStore(t, url, false, &w).Get(ctx, id("a")); ok {
		t.Errorf("a damaged content file was a hit: %q", b)
	}
	if ws := w.list(); len(ws) != 0 {
		t.Errorf("warnings %q", ws)
	}
}

// TestNginxSharesBetweenEngines: a runner writes through its engine,
// another with its own empty disk cache reads the result and keeps it.
func TestNginxSharesBetweenEngines(t *testing.T) {
	url, _ := startNginx(t)
	runs := 0
	run := func() ([]byte, error) { runs++; return []byte("compiled"), nil }
	do := func(write bool) (*engine.Engine, cache.ActionID, bool) {
		s := newStore(t, url, write, nil)
		e := engine.New(engine.Options{Debug: noVerify, Dir: t.TempDir(), Stores: []cache.Store{s}})
		k := e.Key("remote-test", 1)
		k.AddString("app", "checkout")
		id := k.Sum()
		out, hit, err := e.Do(id, run, nil)
		if err != nil || string(out) != "compiled" {
			t.Fatalf("%q %v", out, err)
		}
		return e, id, hit
	}
	if _, _, hit := do(true); hit || runs != 1 {
		t.Fatalf("the first runner: hit=%v runs=%d", hit, runs)
	}
	e, id, hit := do(false)
	if !hit || runs != 1 {
		t.Fatalf("the second runner ran again: hit=%v runs=%d", hit, runs)
	}
	if b, err := e.Cache().Read(id); err != nil || string(b) != "compiled" {
		t.Errorf("the hit was not kept on the second runner's disk: %q %v", b, err)
	}
}

// startNginx starts nginx (internal/davcache) for the test, and returns
// the cache URL and the directory it serves. Without nginx the test says
// loudly that it skipped, and fails under CI=true, where .ci/run
// installs it.
func startNginx(t *testing.T) (url, data string) {
	t.Helper()
	s, err := davcache.Start(t.TempDir())
	if errors.Is(err, davcache.ErrNoNginx) {
		toolcheck.Missing(t, err.Error(), "the remote cache, against a real server,")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s.URL, s.Data
}

// noVerify keeps a KILN_DEBUG=cacheverify=1 of the test run out of a test
// of the cache's hits themselves, which verification turns into
// recomputations.
const noVerify = "cacheverify=0"
