package remotecache

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
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
		// raw may hold credentials that made it unparsable (a password
		// with a character a URL may not hold): never echo it.
		return nil, fmt.Errorf("%q is not a URL", redact(raw))
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

// redact hides what may be credentials in a URL that did not parse:
// everything between the scheme and the last @ of its authority.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if strings.Contains(raw, "@") {
			return "xxxxx@" + raw[strings.LastIndex(raw, "@")+1:]
		}
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return scheme + "://xxxxx@" + rest[at+1:]
	}
	return raw
}
