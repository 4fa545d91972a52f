package remotecache

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:9090", "https://cache.example/kiln/", "http://[::1]:8080/prefix"} {
		if _, err := ParseURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for raw, want := range map[string]string{
		"":                                 "the URL is empty",
		"cache.example:9090":               "not an http or https URL",
		"ftp://cache.example":              "not an http or https URL",
		"grpc://cache.example:9092":        "not an http or https URL",
		"http://":                          "has no host",
		"http:///path":                     "has no host",
		"http://:80":                       "has no host",
		"https://cache.example/?a=b":       "has a query or fragment",
		"https://cache.example/#x":         "has a query or fragment",
		"http://%zz":                       "is not a URL",
		"https://me:hunter2@cache.example": "https://me:xxxxx@cache.example holds credentials",
		"https://token@cache.example":      "holds credentials",
		// unparsable, and the reason is in the password: never echoed
		"https://bob:s3cret@cache:80a/": `"https://xxxxx@cache:80a/" is not a URL`,
	} {
		_, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL(%q) = %v, want %q", raw, err, want)
		}
	}
}

func TestCredentials(t *testing.T) {
	home := t.TempDir()
	netrc := `# a comment
machine other.example login o password p
machine cache.example
	login kiln
	password #s3cret
macdef init
	machine cache.example login macro password macro

default login anon password guest
`
	if err := os.WriteFile(filepath.Join(home, ".netrc"), []byte(netrc), 0o600); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://cache.example:8443/kiln")
	env := func(kv ...string) func(string) string {
		m := map[string]string{"HOME": home}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	h, err := Credentials(env(HeaderEnv, "Authorization: Bearer abc.def"), u)
	if err != nil || h.Get("Authorization") != "Bearer abc.def" {
		t.Errorf("the header variable: %v %v", h, err)
	}
	h, err = Credentials(env(), u)
	if err != nil || h.Get("Authorization") != "Basic a2lsbjojczNjcmV0" { // kiln:#s3cret
		t.Errorf("netrc machine: %v %v", h, err)
	}
	h, err = Credentials(env(), &url.URL{Scheme: "https", Host: "unknown.example"})
	if err != nil || h.Get("Authorization") != "Basic YW5vbjpndWVzdA==" { // anon:guest
		t.Errorf("netrc default: %v %v", h, err)
	}
	if h, err := Credentials(env("HOME", t.TempDir()), u); err != nil || h != nil {
		t.Errorf("no netrc: %v %v", h, err)
	}
	if _, err := Credentials(env("NETRC", filepath.Join(home, "absent")), u); err == nil {
		t.Error("a NETRC naming no file is not an error")
	}
	for _, bad := range []string{"Bearer abc", "Authorization:", "Bad Name: x", "X: a\r\nHost: evil"} {
		_, err := Credentials(env(HeaderEnv, bad), u)
		if err == nil || !strings.HasPrefix(err.Error(), HeaderEnv+": ") || strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "evil") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestNetrcWithoutADefault(t *testing.T) {
	ms := parseNetrc("machine a login x password y\nmachine b login z\n")
	if _, ok := lookupNetrc(ms, "c"); ok {
		t.Error("a host no entry names has credentials")
	}
	if m, ok := lookupNetrc(ms, "B"); !ok || m.login != "z" || m.password != "" {
		t.Errorf("%+v %v", m, ok)
	}
}
