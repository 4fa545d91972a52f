package remotecache

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
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
		e := engine.New(engine.Options{Dir: t.TempDir(), Stores: []cache.Store{s}})
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

// startNginx starts nginx on a free loopback port, with its files in a
// directory of the test's, and returns the cache URL (below the prefix
// /kiln) and the directory it serves. nginx stops when the test ends.
func startNginx(t *testing.T) (url, data string) {
	t.Helper()
	bin := needNginx(t)
	dir := t.TempDir()
	data = filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nginx binds it next; another process taking it first fails the test loudly
	conf := fmt.Sprintf(`# Bazel's HTTP cache on nginx, in the foreground, as the user who runs it.
master_process off;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen %[2]s;
		location / {
			root %[3]s;
			dav_methods PUT;
			create_full_put_path on;
			client_max_body_size 1G;
			allow all;
		}
	}
}
`, dir, addr, data)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	url = "http://" + addr + "/kiln"
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s%s", err, out.Bytes(), log)
		default:
		}
		if resp, err := http.Get(url + "/ac/" + strings.Repeat("0", 64)); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("nginx answers a GET of an absent entry with %s", resp.Status)
			}
			return url, data
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 10s:\n%s", addr, out.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needNginx returns nginx's path (Debian keeps it in /usr/sbin, which a
// user's PATH may lack). Without it the test says loudly that it skipped,
// and fails under CI=true, where .ci/run installs it.
func needNginx(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			p, err = "/usr/sbin/nginx", nil
		}
	}
	if err != nil {
		why := "nginx is not installed (Debian: apt-get install nginx-core)"
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: this lane must test the remote cache against a real server)", why)
		}
		t.Skipf("SKIPPED, the remote cache not tested against a real server: %s", why)
	}
	if out, err := exec.Command(p, "-V").CombinedOutput(); err != nil || !strings.Contains(string(out), "--with-http_dav_module") {
		t.Fatalf("%s -V: %v: nginx lacks the WebDAV module a cache needs\n%s", p, err, out)
	}
	return p
}
