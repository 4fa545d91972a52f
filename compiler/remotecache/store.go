package remotecache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
)

// Options configure a Store.
type Options struct {
	URL      string        // http(s)://host[:port][/prefix]; credentials go in Header, never here
	Write    bool          // put results; without it Put does nothing (read-only, the default)
	Timeout  time.Duration // bounds each Get and Put, retries included; 0 means DefaultTimeout
	Header   http.Header   // sent with every request: the credentials (see Credentials)
	MaxBytes int64         // the largest output read or written; 0 means DefaultMaxBytes
	Warn     func(string)  // the store's warnings: switched off, writes refused; each said once
	// Transport carries the requests; nil is a clone of
	// http.DefaultTransport (which honours HTTPS_PROXY and NO_PROXY).
	Transport http.RoundTripper
}

// DefaultTimeout is long enough for a cache across a continent and short
// enough that a dead one costs a CI run little.
const DefaultTimeout = 5 * time.Second

// DefaultMaxBytes bounds an output: kiln's results are an app's objects
// and findings, a few hundred kilobytes for the largest app; a body past
// this is a server's mistake or an attack, not a result.
const DefaultMaxBytes = 64 << 20

// recordMax bounds an action record: kiln's is under 200 bytes, and the
// metadata a server adds (bazel-remote: the writer's address) is short.
const recordMax = 4 << 10

// retryDelay is the pause before the one retry: enough for a server
// restarting behind a load balancer, little against the timeout.
const retryDelay = 50 * time.Millisecond

// A Store is a cache.Store on a remote cache server. It is safe for
// concurrent use.
type Store struct {
	base   string // the URL, without a trailing slash
	opts   Options
	client *http.Client

	// off is cancelled when the store switches itself off, which cuts
	// short every request in flight.
	off       context.Context
	switchOff context.CancelFunc
	offOnce   sync.Once

	writesOff  atomic.Bool // the server refused a write
	refuseOnce sync.Once

	hits, misses, corrupt, errs, puts, bytesRead, bytesWritten atomic.Int64
}

var _ cache.Store = (*Store)(nil)

// New returns a store for o.URL, which must pass ParseURL. It makes no
// request: an unreachable server is found, and said, on first use.
func New(o Options) (*Store, error) {
	u, err := ParseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32 // one per worker, not the default 2: a kept connection spares a handshake per lookup
		o.Transport = t
	}
	s := &Store{base: strings.TrimSuffix(u.String(), "/"), opts: o, client: &http.Client{Transport: o.Transport,
		// A redirect is refused, not followed: Go would resend a custom
		// credential header (and PUT bodies) to whatever host it names.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.off, s.switchOff = context.WithCancel(context.Background())
	return s, nil
}

// String names the store by its URL, which holds no credentials.
func (s *Store) String() string { return s.base }

// Stats counts what the store did.
type Stats struct {
	Hits, Misses int64 // Gets answered and not (absent, untrusted, or the store off)
	Corrupt      int64 // misses on a record or content that failed its checks
	Errors       int64 // requests that failed: no answer in time, a transport error, a 5xx, a refusal
	Puts         int64 // results written
	BytesRead    int64 // output bytes of the hits
	BytesWritten int64 // output bytes written
}

// Stats returns the counts so far.
func (s *Store) Stats() Stats {
	return Stats{Hits: s.hits.Load(), Misses: s.misses.Load(), Corrupt: s.corrupt.Load(), Errors: s.errs.Load(),
		Puts: s.puts.Load(), BytesRead: s.bytesRead.Load(), BytesWritten: s.bytesWritten.Load()}
}

// Off reports whether the store has switched itself off.
func (s *Store) Off() bool { return s.off.Err() != nil }

// Get returns the output recorded for id. Anything but a record of this
// action and content of its size and hash is a miss.
func (s *Store) Get(ctx context.Context, id cache.ActionID) ([]byte, bool) {
	b, ok := s.get(ctx, id)
	if ok {
		s.hits.Add(1)
		s.bytesRead.Add(int64(len(b)))
	} else {
		s.misses.Add(1)
	}
	return b, ok
}

func (s *Store) get(parent context.Context, id cache.ActionID) ([]byte, bool) {
	if s.Off() {
		return nil, false
	}
	ctx, done := s.opContext(parent)
	defer done()
	rec, ok := s.fetch(ctx, parent, "ac/"+actionKey(id), recordMax)
	if !ok {
		return nil, false
	}
	r, err := parseRecord(rec, id)
	if err != nil || r.size > s.opts.MaxBytes {
		s.corrupt.Add(1)
		return nil, false
	}
	data, ok := s.fetch(ctx, parent, "cas/"+r.output, r.size)
	if !ok {
		return nil, false
	}
	if int64(len(data)) != r.size || fmt.Sprintf("%x", sha256.Sum256(data)) != r.output {
		s.corrupt.Add(1)
		return nil, false
	}
	return data, true
}

// fetch GETs path, of at most max bytes. A 404 is a miss; a body too
// large, cut short or of the wrong length is a corrupt miss; anything
// else that is not a 200 switches the store off.
func (s *Store) fetch(ctx, parent context.Context, path string, max int64) ([]byte, bool) {
	resp, err := s.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		s.fail(ctx, parent, err)
		return nil, false
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		discard(resp)
		return nil, false
	case resp.StatusCode != http.StatusOK:
		s.fail(ctx, parent, fmt.Errorf("GET %s: %s", path, resp.Status))
		return nil, false
	case resp.ContentLength > max:
		s.corrupt.Add(1) // never read: a server answering 10 GB costs nothing
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil && ctx.Err() != nil {
		s.fail(ctx, parent, fmt.Errorf("GET %s: %w", path, err)) // a body slower than the timeout
		return nil, false
	}
	if err != nil || int64(len(b)) > max {
		s.corrupt.Add(1)
		return nil, false
	}
	return b, true
}

// Put records data as the output of id: the content first, then the
// record, so that a record never names content the server lacks. Put
// returns nil unless the engine should stop using the store; the store
// has said itself why it stopped writing.
func (s *Store) Put(parent context.Context, id cache.ActionID, data []byte) error {
	if !s.opts.Write || s.Off() || s.writesOff.Load() || int64(len(data)) > s.opts.MaxBytes {
		return nil
	}
	ctx, done := s.opContext(parent)
	defer done()
	sum := fmt.Sprintf("%x", sha256.Sum256(data))
	if !s.send(ctx, parent, "cas/"+sum, data) || !s.send(ctx, parent, "ac/"+actionKey(id), formatRecord(id, sum, int64(len(data)))) {
		return nil
	}
	s.puts.Add(1)
	s.bytesWritten.Add(int64(len(data)))
	return nil
}

// send PUTs body at path and reports whether the server took it.
func (s *Store) send(ctx, parent context.Context, path string, body []byte) bool {
	resp, err := s.do(ctx, http.MethodPut, path, body)
	if err != nil {
		s.fail(ctx, parent, err)
		return false
	}
	discard(resp)
	if resp.StatusCode/100 == 2 {
		return true
	}
	s.errs.Add(1)
	s.writesOff.Store(true)
	hint := ""
	if resp.StatusCode == http.StatusBadRequest && strings.HasPrefix(path, "ac/") {
		// kiln's record is an ActionResult that bazel-remote keeps; a
		// server that checks more of it than bazel-remote does says
		// what in its log, which the user can read and kiln cannot.
		hint = "; the server checks action entries and refused kiln's record, a Bazel ActionResult naming the content written before it: its log says why"
	}
	s.refuseOnce.Do(func() {
		s.opts.Warn(fmt.Sprintf("the remote cache %s refuses writes (PUT %s: %s)%s; reading only", s, path, resp.Status, hint))
	})
	return false
}

// opContext bounds one Get or Put by the timeout, and ends it when the
// store switches off.
func (s *Store) opContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithTimeout(parent, s.opts.Timeout)
	stop := context.AfterFunc(s.off, cancel)
	return ctx, func() { stop(); cancel() }
}

// do sends one request, and once more after a transport error or a 5xx.
// A response it returns is below 500; its body is the caller's to close.
func (s *Store) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, s.base+"/"+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range s.opts.Header {
			req.Header[k] = vs
		}
		resp, err := s.client.Do(req)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the store's, named in the warning
		}
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		if err == nil {
			discard(resp)
			err = fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		if attempt > 0 || ctx.Err() != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(retryDelay):
		}
	}
}

// fail switches the store off after a failed request, unless the caller
// gave up (its context ended) or another call switched it off first.
func (s *Store) fail(ctx, parent context.Context, err error) {
	if parent.Err() != nil || s.Off() {
		return
	}
	s.errs.Add(1)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %v", s.opts.Timeout)
	}
	s.offOnce.Do(func() {
		s.switchOff()
		s.opts.Warn(fmt.Sprintf("the remote cache %s is not usable (%v); running without it", s, err))
	})
}

// discard reads the short body of an answer that is not an entry (a 404
// page, a PUT's reply) and closes it: a body read to its end lets the
// connection serve the next request. A longer one closes the connection.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, recordMax))
	resp.Body.Close()
}
