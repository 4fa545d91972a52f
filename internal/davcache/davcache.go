// Package davcache runs nginx with WebDAV on loopback, configured as
// Bazel's documentation configures an HTTP remote cache, for the tests
// and benchmarks that need a real cache server beside kiln's own
// in-memory one (compiler/remotecache/remotetest).
package davcache

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoNginx is returned, wrapped, by Find and Start when nginx is not
// installed; callers say loudly that they skipped.
var ErrNoNginx = errors.New("nginx is not installed (Debian: apt-get install nginx-core)")

// A Server is a running nginx.
type Server struct {
	URL  string // the cache's URL, below the prefix /kiln
	Data string // the directory nginx serves, where entries land
	cmd  *exec.Cmd
	done chan error
}

// Find returns nginx's path (Debian keeps it in /usr/sbin, which a
// user's PATH may lack), checking it has the WebDAV module a cache needs.
func Find() (string, error) {
	p, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr != nil {
			return "", ErrNoNginx
		}
		p = "/usr/sbin/nginx"
	}
	if out, err := exec.Command(p, "-V").CombinedOutput(); err != nil || !strings.Contains(string(out), "--with-http_dav_module") {
		return "", fmt.Errorf("%s -V: %v: nginx lacks the WebDAV module a cache needs\n%s", p, err, out)
	}
	return p, nil
}

// conf is Bazel's HTTP cache on nginx, in the foreground, as the user
// who runs it, with every file it writes under one directory.
const conf = `master_process off;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
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
`

// Start starts nginx on a free loopback port with its files under dir,
// and returns once it answers.
func Start(dir string) (*Server, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close() // nginx binds it next; another process taking it first fails loudly
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), fmt.Appendf(nil, conf, dir, addr, data), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr + "/kiln", Data: data, cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s, s.wait(dir, &out)
}

// wait returns once nginx answers a GET of an absent entry with 404.
func (s *Server) wait(dir string, out *bytes.Buffer) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return fmt.Errorf("nginx exited: %v\n%s%s", err, out.Bytes(), log)
		default:
		}
		if resp, err := http.Get(s.URL + "/ac/" + strings.Repeat("0", 64)); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				s.Stop()
				return fmt.Errorf("nginx answers a GET of an absent entry with %s", resp.Status)
			}
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("nginx did not listen on %s within 10s:\n%s", s.URL, out.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Clear empties the cache.
func (s *Server) Clear() error {
	if err := os.RemoveAll(s.Data); err != nil {
		return err
	}
	return os.MkdirAll(s.Data, 0o755)
}

// Stop ends nginx.
func (s *Server) Stop() {
	s.cmd.Process.Kill()
	<-s.done
	s.done <- nil // a second Stop returns at once
}
