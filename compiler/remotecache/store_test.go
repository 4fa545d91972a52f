package remotecache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/remotecache/remotetest"
)

// testTimeout is short, so that the tests of a slow server are quick;
// slack is what a loaded machine may add to it.
const testTimeout = 300 * time.Millisecond
const slack = 2 * time.Second

// A fault answers a request in place of the cache, or returns false to
// let the cache answer.
type fault func(w http.ResponseWriter, r *http.Request) bool

// server is the in-memory cache behind a fault, on loopback.
type server struct {
	*remotetest.Cache
	url      string
	requests atomic.Int64
}

func newServer(t *testing.T, f fault) *server {
	t.Helper()
	s := &server{Cache: remotetest.New()}
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if f != nil && f(w, r) {
			return
		}
		s.Cache.ServeHTTP(w, r)
	}))
	t.Cleanup(h.Close)
	s.url = h.URL + "/prefix"
	return s
}

// warnings collects a store's warnings.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(m string) { w.mu.Lock(); w.msgs = append(w.msgs, m); w.mu.Unlock() }
func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

func newStore(t *testing.T, url string, write bool, w *warnings) *Store {
	t.Helper()
	o := Options{URL: url, Write: write, Timeout: testTimeout}
	if w != nil {
		o.Warn = w.warn
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func id(s string) cache.ActionID { return cache.ActionID(sha256.Sum256([]byte(s))) }

var ctx = context.Background()

// seed writes data for action a through a writing store, and returns the
// keys of its record and content.
func seed(t *testing.T, srv *server, a string, data []byte) (ac, cas string) {
	t.Helper()
	s := newStore(t, srv.url, true, nil)
	if err := s.Put(ctx, id(a), data); err != nil || s.Stats().Puts != 1 {
		t.Fatalf("seeding: %v, %+v", err, s.Stats())
	}
	return "ac/" + actionKey(id(a)), fmt.Sprintf("cas/%x", sha256.Sum256(data))
}

func TestWriteThenReadFromAnotherStore(t *testing.T) {
	srv := newServer(t, nil)
	w := newStore(t, srv.url, true, nil)
	data := []byte(`{"app":"checkout"}`)
	if err := w.Put(ctx, id("a"), data); err != nil {
		t.Fatal(err)
	}
	ac, cas := "ac/"+actionKey(id("a")), fmt.Sprintf("cas/%x", sha256.Sum256(data))
	if got := strings.Join(srv.Keys(), " "); got != ac+" "+cas {
		t.Fatalf("entries %s, want the record and the content", got)
	}
	rec, _ := srv.Entry(ac)
	if r, err := parseRecord(rec, id("a")); err != nil || r.output != cas[4:] || r.size != int64(len(data)) {
		t.Errorf("the record the server keeps: %+v, %v", r, err)
	}
	r := newStore(t, srv.url, false, nil)
	if b, ok := r.Get(ctx, id("a")); !ok || !bytes.Equal(b, data) {
		t.Fatalf("Get = %q, %v", b, ok)
	}
	if _, ok := r.Get(ctx, id("b")); ok {
		t.Fatal("a hit for an action never written")
	}
	if s := r.Stats(); s.Hits != 1 || s.Misses != 1 || s.BytesRead != int64(len(data)) || s.Errors != 0 || r.Off() {
		t.Errorf("reader stats %+v off=%v", s, r.Off())
	}
	if s := w.Stats(); s.Puts != 1 || s.BytesWritten != int64(len(data)) {
		t.Errorf("writer stats %+v", s)
	}
}

func TestReadOnlyNeverWrites(t *testing.T) {
	srv := newServer(t, nil)
	s := newStore(t, srv.url, false, nil)
	if err := s.Put(ctx, id("a"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("a read-only store sent %d requests on Put", n)
	}
}

func TestTheKeyIsKilnsOwn(t *testing.T) {
	a := id("a")
	if k := actionKey(a); k == fmt.Sprintf("%x", a) || k == fmt.Sprintf("%x", sha256.Sum256(a[:])) {
		t.Errorf("the action key %s is not namespaced", k)
	}
}

func TestNotFoundIsAPlainMiss(t *testing.T) {
	srv := newServer(t, nil)
	var w warnings
	s := newStore(t, srv.url, false, &w)
	for range 3 {
		if _, ok := s.Get(ctx, id("a")); ok {
			t.Fatal("hit")
		}
	}
	if srv.Gets.Load() != 3 || s.Off() || len(w.list()) != 0 || s.Stats().Errors != 0 {
		t.Errorf("404s: %d requests, off=%v, warnings %q", srv.Gets.Load(), s.Off(), w.list())
	}
}

// hang blocks a request until its client gives up.
func hang(w http.ResponseWriter, r *http.Request) bool {
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
	return true
}

func TestASlowServerCostsOneTimeoutAndSwitchesOff(t *testing.T) {
	srv := newServer(t, hang)
	var w warnings
	s := newStore(t, srv.url, true, &w)
	began := time.Now()
	var wg sync.WaitGroup
	for i := range 8 { // the engine's workers, all asking at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := s.Get(ctx, id(fmt.Sprint(i))); ok {
				t.Error("a hit from a server that never answered")
			}
		}()
	}
	wg.Wait()
	if d := time.Since(began); d > testTimeout+slack {
		t.Errorf("concurrent Gets took %v; the timeout is %v", d, testTimeout)
	}
	if !s.Off() {
		t.Fatal("the store is still on")
	}
	if ws := w.list(); len(ws) != 1 || !strings.Contains(ws[0], "is not usable (no answer within 300ms); running without it") {
		t.Errorf("warnings %q", ws)
	}
	n := srv.requests.Load()
	began = time.Now()
	s.Get(ctx, id("later"))
	s.Put(ctx, id("later"), []byte("x"))
	if srv.requests.Load() != n || time.Since(began) > 50*time.Millisecond {
		t.Error("a switched-off store still sends requests")
	}
}

func TestASlowBodyIsATimeout(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("kiln-remote-v1\n"))
		w.(http.Flusher).Flush()
		return hang(w, r)
	})
	s := newStore(t, srv.url, false, nil)
	began := time.Now()
	if _, ok := s.Get(ctx, id("a")); ok || !s.Off() {
		t.Fatalf("ok=%v off=%v", ok, s.Off())
	}
	if d := time.Since(began); d > testTimeout+slack {
		t.Errorf("took %v", d)
	}
}

func TestServerErrorsAreRetriedOnceThenSwitchOff(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
		return true
	})
	var w warnings
	s := newStore(t, srv.url, false, &w)
	if _, ok := s.Get(ctx, id("a")); ok {
		t.Fatal("hit")
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests, want one and its retry", n)
	}
	if ws := w.list(); !s.Off() || len(ws) != 1 || !strings.Contains(ws[0], "503 Service Unavailable") {
		t.Errorf("off=%v warnings %q", s.Off(), ws)
	}
	if s.Stats().Errors != 1 {
		t.Errorf("stats %+v", s.Stats())
	}
}

func TestOneServerErrorIsRetried(t *testing.T) {
	var failed atomic.Bool
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if failed.CompareAndSwap(false, true) {
			http.Error(w, "oops", http.StatusInternalServerError)
			return true
		}
		return false
	})
	seed(t, srv, "a", []byte("data"))
	failed.Store(false)
	s := newStore(t, srv.url, false, nil)
	if b, ok := s.Get(ctx, id("a")); !ok || string(b) != "data" || s.Off() {
		t.Errorf("Get = %q, %v; off=%v", b, ok, s.Off())
	}
}

func TestAnUnreachableServerSwitchesOffAtOnce(t *testing.T) {
	h := httptest.NewServer(http.NotFoundHandler())
	url := h.URL
	h.Close() // nothing listens there now
	var w warnings
	s := newStore(t, url, true, &w)
	began := time.Now()
	if _, ok := s.Get(ctx, id("a")); ok {
		t.Fatal("hit")
	}
	if err := s.Put(ctx, id("a"), []byte("x")); err != nil {
		t.Errorf("Put after switching off: %v", err)
	}
	if d := time.Since(began); d > testTimeout {
		t.Errorf("a refused connection took %v", d)
	}
	if ws := w.list(); len(ws) != 1 || !strings.Contains(ws[0], "connection refused") || strings.Contains(ws[0], "/ac/") {
		t.Errorf("warnings %q", ws)
	}
}

func TestARefusedReadSwitchesOff(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "who are you", http.StatusUnauthorized)
		return true
	})
	var w warnings
	s := newStore(t, srv.url, false, &w)
	s.Get(ctx, id("a"))
	s.Get(ctx, id("b"))
	if ws := w.list(); !s.Off() || srv.requests.Load() != 1 || len(ws) != 1 || !strings.Contains(ws[0], "401 Unauthorized") {
		t.Errorf("off=%v requests=%d warnings %q", s.Off(), srv.requests.Load(), ws)
	}
}

func TestARefusedWriteLeavesTheStoreReading(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut {
			http.Error(w, "read-only", http.StatusForbidden)
			return true
		}
		return false
	})
	srv.Set("ac/"+actionKey(id("a")), formatRecord(id("a"), fmt.Sprintf("%x", sha256.Sum256([]byte("v"))), 1))
	srv.Set(fmt.Sprintf("cas/%x", sha256.Sum256([]byte("v"))), []byte("v"))
	var w warnings
	s := newStore(t, srv.url, true, &w)
	for _, a := range []string{"x", "y"} {
		if err := s.Put(ctx, id(a), []byte(a)); err != nil {
			t.Fatal(err)
		}
	}
	if ws := w.list(); len(ws) != 1 || !strings.Contains(ws[0], "refuses writes") || !strings.Contains(ws[0], "403 Forbidden") {
		t.Errorf("warnings %q", ws)
	}
	if b, ok := s.Get(ctx, id("a")); !ok || string(b) != "v" || s.Off() {
		t.Errorf("Get after a refused write = %q, %v", b, ok)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d requests: one refused PUT, then two GETs", n)
	}
}

func TestARejectedRecordSaysWhereToLook(t *testing.T) {
	// A server that checks action entries more strictly than bazel-remote.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/ac/") {
			http.Error(w, "unsupported digest function", http.StatusBadRequest)
			return true
		}
		return false
	})
	var w warnings
	s := newStore(t, srv.url, true, &w)
	s.Put(ctx, id("a"), []byte("x"))
	want := "400 Bad Request); the server checks action entries and refused kiln's record, a Bazel ActionResult naming the content written before it: its log says why; reading only"
	if ws := w.list(); len(ws) != 1 || !strings.Contains(ws[0], want) {
		t.Errorf("warnings %q", ws)
	}
}

func TestUntrustedBodiesAreMisses(t *testing.T) {
	data := []byte("the output of a")
	other := []byte("the output of b")
	cases := []struct {
		name  string
		spoil func(srv *server, ac, cas string)
	}{
		{"content of the same size, other bytes", func(srv *server, ac, cas string) {
			srv.Set(cas, []byte("THE OUTPUT OF A"))
		}},
		{"content cut short", func(srv *server, ac, cas string) { srv.Set(cas, data[:5]) }},
		{"content empty", func(srv *server, ac, cas string) { srv.Set(cas, nil) }},
		{"garbage record", func(srv *server, ac, cas string) { srv.Set(ac, []byte("\x00\x01garbage")) }},
		{"empty record", func(srv *server, ac, cas string) { srv.Set(ac, nil) }},
		{"a Bazel ActionResult", func(srv *server, ac, cas string) { srv.Set(ac, []byte{0x0a, 0x22, 0x0a, 0x20}) }},
		{"record of another action", func(srv *server, ac, cas string) {
			srv.Set(ac, formatRecord(id("b"), fmt.Sprintf("%x", sha256.Sum256(other)), int64(len(other))))
			srv.Set(fmt.Sprintf("cas/%x", sha256.Sum256(other)), other)
		}},
		{"record with a wrong size", func(srv *server, ac, cas string) {
			srv.Set(ac, formatRecord(id("a"), cas[4:], int64(len(data))+1))
		}},
		{"record naming content past the bound", func(srv *server, ac, cas string) {
			srv.Set(ac, formatRecord(id("a"), cas[4:], DefaultMaxBytes+1))
		}},
		{"record of another version", func(srv *server, ac, cas string) {
			rec, _ := srv.Entry(ac)
			srv.Set(ac, bytes.Replace(rec, []byte(format+"/"), []byte("kiln-remote-v9/"), 1))
		}},
		{"text record of kiln-remote-v1", func(srv *server, ac, cas string) {
			srv.Set(ac, fmt.Appendf(nil, "kiln-remote-v1\naction %x\noutput %s %d\n", id("a"), cas[4:], len(data)))
		}},
		{"record with an exit code", func(srv *server, ac, cas string) {
			srv.Set(ac, protowire.AppendVarint(protowire.AppendTag(formatRecord(id("a"), cas[4:], int64(len(data))), 4, protowire.VarintType), 1))
		}},
		{"record with a second output file", func(srv *server, ac, cas string) {
			rec := formatRecord(id("a"), cas[4:], int64(len(data)))
			srv.Set(ac, append(rec, rec...))
		}},
		{"record with metadata that is not a message", func(srv *server, ac, cas string) {
			rec := formatRecord(id("a"), cas[4:], int64(len(data)))
			srv.Set(ac, protowire.AppendVarint(protowire.AppendTag(rec, 9, protowire.VarintType), 1))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, nil)
			ac, cas := seed(t, srv, "a", data)
			c.spoil(srv, ac, cas)
			var w warnings
			s := newStore(t, srv.url, false, &w)
			if b, ok := s.Get(ctx, id("a")); ok {
				t.Fatalf("hit: %q", b)
			}
			if s.Off() || len(w.list()) != 0 {
				t.Errorf("an untrusted body switched the store off: %q", w.list())
			}
			if st := s.Stats(); st.Corrupt != 1 || st.Misses != 1 {
				t.Errorf("stats %+v, want one corrupt miss", st)
			}
		})
	}
}

func TestATruncatedBodyIsAMiss(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/cas/") {
			w.Header().Set("Content-Length", "15")
			w.Write([]byte("the out")) // and the connection closes
			return true
		}
		return false
	})
	seed(t, srv, "a", []byte("the output of a"))
	s := newStore(t, srv.url, false, nil)
	if b, ok := s.Get(ctx, id("a")); ok || s.Off() || s.Stats().Corrupt != 1 {
		t.Errorf("Get = %q, %v; off=%v stats %+v", b, ok, s.Off(), s.Stats())
	}
}

func TestAHugeBodyIsNotRead(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for _, path := range []string{"/ac/", "/cas/"} {
		for _, declared := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s declared=%v", path, declared), func(t *testing.T) {
				var sent atomic.Int64
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, path) {
						return false
					}
					if declared {
						w.Header().Set("Content-Length", fmt.Sprint(int64(10)<<30))
					}
					for range 10 << 10 { // 10 GiB, unless the client hangs up
						n, err := w.Write(chunk)
						sent.Add(int64(n))
						if err != nil {
							break
						}
					}
					return true
				})
				seed(t, srv, "a", []byte("a small output"))
				s := newStore(t, srv.url, false, nil)
				began := time.Now()
				if _, ok := s.Get(ctx, id("a")); ok || s.Off() || s.Stats().Corrupt != 1 {
					t.Errorf("ok=%v off=%v stats %+v", ok, s.Off(), s.Stats())
				}
				if d := time.Since(began); d > testTimeout {
					t.Errorf("took %v", d)
				}
				if n := sent.Load(); n > 64<<20 {
					t.Errorf("the server sent %d MiB before the store hung up", n>>20)
				}
			})
		}
	}
}

func TestACancelledCallerDoesNotSwitchOff(t *testing.T) {
	srv := newServer(t, hang)
	s := newStore(t, srv.url, false, nil)
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, ok := s.Get(c, id("a")); ok || s.Off() {
		t.Errorf("ok=%v off=%v", ok, s.Off())
	}
}

func TestNewRefusesABadURL(t *testing.T) {
	if _, err := New(Options{URL: "https://u:secret@cache.example"}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v", err)
	}
}

func TestString(t *testing.T) {
	if s := newStore(t, "https://cache.example/kiln/", false, nil).String(); s != "https://cache.example/kiln" {
		t.Errorf("String() = %q", s)
	}
}

func TestMissesKeepTheirConnection(t *testing.T) {
	var conns atomic.Int64
	h := httptest.NewUnstartedServer(remotetest.New())
	h.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	h.Start()
	t.Cleanup(h.Close)
	s := newStore(t, h.URL, false, nil)
	for i := range 20 {
		s.Get(ctx, id(fmt.Sprint(i)))
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 misses opened %d connections", n)
	}
}

// TestRedirectsAreNotFollowed: a server that redirects would have Go
// resend the credential header and the bodies to another host; the
// store takes a redirect as a refusal, and the other host hears nothing.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer h.Close()
	var w warnings
	s, err := New(Options{URL: h.URL, Write: true, Timeout: testTimeout, Warn: w.warn, Header: http.Header{"X-Api-Key": {"k"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(context.Background(), id("a"), []byte("x"))
	if _, ok := s.Get(context.Background(), id("a")); ok {
		t.Error("a redirect answered a hit")
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}
