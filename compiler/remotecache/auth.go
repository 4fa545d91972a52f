package remotecache

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// HeaderEnv names the variable holding one header sent with every
// request, "Name: value", such as "Authorization: Bearer TOKEN".
const HeaderEnv = "KILN_REMOTE_CACHE_HEADER"

// Credentials returns the headers that authenticate to the server of u:
// the header of $KILN_REMOTE_CACHE_HEADER if set, else basic auth from
// the netrc entry for u's host ($NETRC, else ~/.netrc; the default entry
// if none names the host), else none. Never a flag: a flag shows in
// process lists and CI logs. Errors never quote the secret.
func Credentials(getenv func(string) string, u *url.URL) (http.Header, error) {
	if v := getenv(HeaderEnv); v != "" {
		name, value, err := parseHeader(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", HeaderEnv, err)
		}
		h := http.Header{}
		h.Set(name, value)
		return h, nil
	}
	file, explicit := getenv("NETRC"), true
	if file == "" {
		home := getenv("HOME")
		if home == "" {
			return nil, nil
		}
		file, explicit = filepath.Join(home, ".netrc"), false
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the netrc file: %v", err)
	}
	m, ok := lookupNetrc(parseNetrc(string(b)), u.Hostname())
	if !ok {
		return nil, nil
	}
	r := http.Request{Header: http.Header{}}
	r.SetBasicAuth(m.login, m.password)
	return r.Header, nil
}

// parseHeader splits "Name: value", checking that the name is an HTTP
// token and that the value holds no line break (which would add headers).
func parseHeader(v string) (name, value string, err error) {
	name, value, ok := strings.Cut(v, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return "", "", errors.New(`want "Name: value", such as "Authorization: Bearer TOKEN"`)
	}
	for _, r := range name {
		if !isTokenChar(r) {
			return "", "", errors.New(`the header name is not an HTTP token (want "Name: value")`) // the "name" may be part of the secret
		}
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", "", errors.New("the header value holds a line break or NUL")
	}
	return name, value, nil
}

func isTokenChar(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}
