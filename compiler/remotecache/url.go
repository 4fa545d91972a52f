package remotecache

import (
	"errors"
	"fmt"
	"net/url"
)

// ParseURL checks a remote cache URL: http or https, a host, and an
// optional path prefix, nothing else. Credentials in it are refused, as
// command lines and CI logs show URLs; the error then shows the URL
// without them.
func ParseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("the URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%s holds credentials, which would show in process lists and logs: set KILN_REMOTE_CACHE_HEADER or use a netrc file instead", u.Redacted())
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an http or https URL", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q has no host", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%q has a query or fragment; a cache URL is a host and a path", raw)
	}
	return u, nil
}
