package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/remotecache"
)

// stores are the engine's stores behind the disk cache: the remote cache
// when the flags or the environment name one, unless --no-cache.
func (c *cacheOptions) stores(env *Env, warn func(string)) ([]cache.Store, error) {
	if c.noCache || c.remote == nil {
		return nil, nil
	}
	s, err := c.remote.open(env, warn)
	if err != nil || s == nil {
		return nil, err
	}
	return []cache.Store{s}, nil
}

// remoteOptions are the flags of the remote cache, on the commands that
// have them (check, build, lsp).
type remoteOptions struct {
	url     string
	write   bool
	timeout time.Duration
	store   *remotecache.Store // opened by cacheOptions.engine; nil without one
}

func (r *remoteOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "remote-cache", "", "a Bazel HTTP remote cache to share results through, http(s)://HOST[:PORT][/PREFIX] (default: $KILN_REMOTE_CACHE); credentials from $KILN_REMOTE_CACHE_HEADER or netrc")
	fs.BoolVar(&r.write, "remote-cache-write", false, "also write results to the remote cache; only on trusted branches, never for pull requests (see docs/remote-cache.md)")
	fs.DurationVar(&r.timeout, "remote-cache-timeout", remotecache.DefaultTimeout, "the longest a remote cache lookup or write may take, retry included; a remote that takes longer is not used again in the run")
}

// open returns the store the flags or $KILN_REMOTE_CACHE name, or nil
// for none. A malformed URL or credential is an error naming its source;
// an unreachable server is not (the store warns on first use and the run
// goes on without it).
func (r *remoteOptions) open(env *Env, warn func(string)) (*remotecache.Store, error) {
	raw, from := r.url, "--remote-cache"
	if raw == "" {
		raw, from = env.Getenv("KILN_REMOTE_CACHE"), "KILN_REMOTE_CACHE"
	}
	if raw == "" {
		if r.write {
			return nil, errors.New("--remote-cache-write needs --remote-cache URL (or KILN_REMOTE_CACHE)")
		}
		return nil, nil
	}
	if r.timeout <= 0 {
		return nil, fmt.Errorf("--remote-cache-timeout %v: want a positive duration, such as 5s", r.timeout)
	}
	u, err := remotecache.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", from, err)
	}
	header, err := remotecache.Credentials(env.Getenv, u)
	if err != nil {
		return nil, fmt.Errorf("the credentials of the remote cache: %v", err)
	}
	s, err := remotecache.New(remotecache.Options{URL: raw, Write: r.write, Timeout: r.timeout, Header: header, Warn: warn})
	r.store = s
	return s, err
}

// summary is what the run's summary line says of the remote cache: ""
// without one.
func (r *remoteOptions) summary() string {
	if r == nil || r.store == nil {
		return ""
	}
	st := r.store.Stats()
	if r.write {
		return fmt.Sprintf(", remote %d hits, %d written", st.Hits, st.Puts)
	}
	return fmt.Sprintf(", remote %d hits", st.Hits)
}
