package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The editor benchmark: over a 100-line app, the time from a didChange to
// the publishDiagnostics that answers it, for kiln lsp and, where it is
// installed, yaml-language-server configured with kiln's JSON Schema, on
// the same file and the same edits, in the same run.

// editApp is a realistic 100-line definition: environments, variables,
// secrets, an ingress, a patch, a waiver, and the comments teams write.
func editApp() string {
	var b strings.Builder
	b.WriteString(`# kiln.yaml: the checkout service
apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: checkout                  # names every emitted object
  owner: team-payments
  contact: "#payments-oncall"
  description: Checkout API
spec:
  image: registry.example.com/payments/checkout:1.4.2
  port: 8080
  protocol: http
  health:
    liveness: /healthz
    readiness: /readyz
  resources:
    cpu: 250m
    memory: 256Mi
  scaling:
    min: 3
    max: 10
    cpuTarget: 70
  sla:
    availability: 99.9
    latency: {p99: 300ms}
    window: 30d
  ingress:
    host: checkout.example.com
    path: /
  secrets:
    DATABASE_URL: {secret: checkout-db, key: url}
    STRIPE_KEY: {secret: checkout-stripe, key: api-key}
  env:
`)
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "    FEATURE_%02d: \"on\"\n", i)
	}
	b.WriteString(`  environments:
    staging:
      scaling: {min: 3, max: 4}
      ingress: {host: checkout.staging.example.com}
    prod:
      resources: {cpu: 500m, memory: 512Mi}
      scaling: {min: 4, max: 20}
  patches:
    - target: {kind: Deployment}
      patch: |-
        - op: add
          path: /spec/template/metadata/annotations/example.com~1sidecar
          value: "off"
  waivers:
    - rule: image-digest
      reason: the registry mirrors tags immutably
      expires: "2099-01-01"
`)
	return b.String()
}

type latency struct{ cold, p50, p95 time.Duration }

// benchEditors measures kiln lsp and yaml-language-server, if found;
// then kiln lsp's time to first diagnostic on a repository of 1000 apps
// beside one of 1 app. $KILN_BENCH_BASE names a second kiln binary (the
// one a change started from), measured in the same run beside the first.
func benchEditors(tmp, kiln string, edits int) {
	dir := filepath.Join(tmp, "editor", "checkout")
	os.MkdirAll(filepath.Join(tmp, "editor", ".git"), 0o755)
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "kiln.yaml")
	text := editApp()
	check(os.WriteFile(file, []byte(text), 0o644))
	lines := strings.Count(text, "\n")
	fmt.Printf("\neditor: %d-line app, %d edits, didChange → publishDiagnostics\n", lines, edits)
	base := os.Getenv("KILN_BENCH_BASE")
	measureKiln := func(bin string, env []string) latency {
		os.RemoveAll(filepath.Join(tmp, "lsp-cache"))
		l, err := measureServer([]string{bin, "lsp", "--cache-dir", filepath.Join(tmp, "lsp-cache")}, file, text, edits, nil, env)
		check(err)
		return l
	}
	k := measureKiln(kiln, lspProfile())
	var b latency
	if base != "" {
		b = measureKiln(base, nil)
	}
	w := newTable()
	fmt.Fprintln(w, "server\tfirst open (cold)\tedit p50\tedit p95\tp95 / yaml-language-server p95\t")
	yls := findYLS()
	var y latency
	if yls != "" {
		schema := filepath.Join(tmp, "app.schema.json")
		out, err := exec.Command(kiln, "schema").Output()
		check(err)
		check(os.WriteFile(schema, out, 0o644))
		settings := map[string]any{"yaml": map[string]any{"validate": true, "schemas": map[string]any{fileURI(schema): "kiln.yaml"}}}
		y, err = measureServer([]string{yls, "--stdio"}, file, text, edits, settings, nil)
		check(err)
	}
	fmt.Fprintf(w, "kiln lsp\t%s\t%s\t%s\t%s\t\n", ms(k.cold), ms(k.p50), ms(k.p95), ratio(k.p95, y.p95))
	if base != "" {
		fmt.Fprintf(w, "kiln lsp (base)\t%s\t%s\t%s\t%s\t\n", ms(b.cold), ms(b.p50), ms(b.p95), ratio(b.p95, y.p95))
	}
	if yls != "" {
		fmt.Fprintf(w, "yaml-language-server\t%s\t%s\t%s\t\t\n", ms(y.cold), ms(y.p50), ms(y.p95))
	} else {
		fmt.Fprintln(w, "yaml-language-server\tnot installed (npm install yaml-language-server; or set KILN_BENCH_YLS)\t\t\t\t")
	}
	w.Flush()
	benchFirst(tmp, kiln, base, 3)
}

// findYLS looks for yaml-language-server: $KILN_BENCH_YLS, then PATH.
func findYLS() string {
	if p := os.Getenv("KILN_BENCH_YLS"); p != "" {
		return p
	}
	p, _ := exec.LookPath("yaml-language-server")
	return p
}

// lspProfile is the environment that makes kiln lsp write a CPU profile
// of its session to $KILN_BENCH_LSP_CPUPROFILE, when that is set: the
// edits alone, apart from the other kiln processes of the run.
func lspProfile() []string {
	if p := os.Getenv("KILN_BENCH_LSP_CPUPROFILE"); p != "" {
		return []string{"KILN_CPUPROFILE=" + p}
	}
	return nil
}

func fileURI(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// measureServer opens file in a fresh server process, then edits it: one
// edit at a time, each timed until the server publishes diagnostics for
// the file again.
func measureServer(argv []string, file, text string, edits int, settings any, env []string) (latency, error) {
	s, err := startServer(argv, env, filepath.Dir(filepath.Dir(file)), file, settings)
	if err != nil {
		return latency{}, err
	}
	defer s.end()
	var l latency
	if l.cold, err = s.open(file, text); err != nil {
		return latency{}, err
	}
	u := fileURI(file)
	var times []time.Duration
	for i := 0; i < edits; i++ {
		// A value changes on every edit, as typing does: no edit is a
		// repeat of an earlier text.
		edited := strings.Replace(text, "cpuTarget: 70", "cpuTarget: "+strconv.Itoa(50+i%40), 1)
		edited = strings.Replace(edited, "# kiln.yaml: the checkout service", fmt.Sprintf("# kiln.yaml: the checkout service (edit %d)", i), 1)
		s.c.drain()
		began := time.Now()
		s.c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": u, "version": i + 2},
			"contentChanges": []any{map[string]any{"text": edited}}})
		if err := s.c.wait(30 * time.Second); err != nil {
			return latency{}, fmt.Errorf("%s: edit %d: %w", argv[0], i, err)
		}
		times = append(times, time.Since(began))
	}
	slices.Sort(times)
	l.p50, l.p95 = times[len(times)/2], times[len(times)*95/100]
	return l, nil
}

// A session is one server process, initialized on a root directory.
type session struct {
	argv    []string
	cmd     *exec.Cmd
	c       *rpc
	started time.Time // when the process was started
}

// startServer starts a server and initializes it with root as its
// workspace; watch is the file whose diagnostics the session waits for.
func startServer(argv, env []string, root, watch string, settings any) (*session, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &rpc{w: stdin, published: make(chan struct{}, 1024), replies: map[int]chan json.RawMessage{}}
	go c.read(bufio.NewReader(stdout), fileURI(watch))
	c.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": fileURI(root), "capabilities": map[string]any{
		"textDocument": map[string]any{"publishDiagnostics": map[string]any{"versionSupport": true}}}})
	c.notify("initialized", map[string]any{})
	if settings != nil {
		c.notify("workspace/didChangeConfiguration", map[string]any{"settings": settings})
	}
	return &session{argv: argv, cmd: cmd, c: c, started: started}, nil
}

// open opens file and returns the time until its first diagnostics.
func (s *session) open(file, text string) (time.Duration, error) {
	began := time.Now()
	s.c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": fileURI(file), "languageId": "yaml", "version": 1, "text": text}})
	if err := s.c.wait(60 * time.Second); err != nil {
		return 0, fmt.Errorf("%s: first diagnostics: %w", s.argv[0], err)
	}
	return time.Since(began), nil
}

// end shuts the server down and lets it exit by itself, so that a
// profile it writes at exit (KILN_CPUPROFILE) is complete; one that
// does not exit within 5 seconds is killed.
func (s *session) end() {
	s.c.call("shutdown", nil)
	s.c.notify("exit", nil)
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-exited
	}
}

// firstDiagnostic is the time to the first diagnostic of kiln lsp opened
// on a repository of n apps: the server is initialized with the
// repository as its root, then one app is opened; both the time from the
// didOpen and from the process's start are kept. Each run starts from an
// empty cache, as a first session on a checkout does.
type firstDiagnostic struct{ open, start time.Duration }

func measureFirst(kiln, repo, cacheDir string, env []string) (firstDiagnostic, error) {
	os.RemoveAll(cacheDir)
	file := filepath.Join(repo, "apps", "app0000", "kiln.yaml")
	text, err := os.ReadFile(file)
	if err != nil {
		return firstDiagnostic{}, err
	}
	s, err := startServer([]string{kiln, "lsp", "--cache-dir", cacheDir}, env, repo, file, nil)
	if err != nil {
		return firstDiagnostic{}, err
	}
	defer s.end()
	var f firstDiagnostic
	if f.open, err = s.open(file, string(text)); err != nil {
		return firstDiagnostic{}, err
	}
	f.start = time.Since(s.started)
	return f, nil
}

// benchFirst measures the time to the first diagnostic on repositories
// of 1 and 1000 apps, alternately, runs times each, and reports medians;
// base, when set, is a second kiln binary measured in the same rounds.
func benchFirst(tmp, kiln, base string, runs int) {
	sizes := []int{1, 1000}
	repos := map[int]string{}
	for _, n := range sizes {
		repos[n] = filepath.Join(tmp, fmt.Sprintf("lsp-repo-%d", n))
		generate(repos[n], n)
	}
	// The generator draws each repository's apps from its size: the app
	// opened is made the same in both, so that only the size differs.
	for _, name := range []string{"kiln.yaml", "kiln_test.yaml"} {
		if b, err := os.ReadFile(filepath.Join(repos[1000], "apps", "app0000", name)); err == nil {
			check(os.WriteFile(filepath.Join(repos[1], "apps", "app0000", name), b, 0o644))
		}
	}
	bins := []string{kiln}
	if base != "" {
		bins = append(bins, base)
	}
	got := map[string][]firstDiagnostic{}
	for range runs {
		for _, bin := range bins {
			for _, n := range sizes {
				f, err := measureFirst(bin, repos[n], filepath.Join(tmp, "lsp-first-cache"), nil)
				check(err)
				k := fmt.Sprint(bin, n)
				got[k] = append(got[k], f)
			}
		}
	}
	fmt.Printf("\neditor: time to first diagnostic, kiln lsp initialized on a repository, one app opened (cold cache, median of %d)\n", runs)
	w := newTable()
	fmt.Fprintln(w, "server\tapps\tdidOpen → diagnostics\tprocess start → diagnostics\t1000 / 1 (didOpen)\t")
	for _, bin := range bins {
		name := "kiln lsp"
		if bin == base {
			name = "kiln lsp (base)"
		}
		one := medianFirst(got[fmt.Sprint(bin, 1)])
		for _, n := range sizes {
			f := medianFirst(got[fmt.Sprint(bin, n)])
			r := ""
			if n != 1 {
				r = ratio(f.open, one.open)
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t\n", name, n, ms(f.open), ms(f.start), r)
		}
	}
	w.Flush()
}

func medianFirst(fs []firstDiagnostic) firstDiagnostic {
	var open, start []time.Duration
	for _, f := range fs {
		open, start = append(open, f.open), append(start, f.start)
	}
	slices.Sort(open)
	slices.Sort(start)
	return firstDiagnostic{open[len(open)/2], start[len(start)/2]}
}

// rpc is a minimal JSON-RPC client: enough to drive any language server.
type rpc struct {
	mu        sync.Mutex
	w         io.Writer
	next      int
	replies   map[int]chan json.RawMessage
	published chan struct{}
}

func (c *rpc) send(msg map[string]any) {
	msg["jsonrpc"] = "2.0"
	b, _ := json.Marshal(msg)
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(b), b)
}

func (c *rpc) notify(method string, params any) {
	c.send(map[string]any{"method": method, "params": params})
}

func (c *rpc) call(method string, params any) json.RawMessage {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan json.RawMessage, 1)
	c.replies[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"id": id, "method": method, "params": params})
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		return nil
	}
}

func (c *rpc) read(in *bufio.Reader, uri string) {
	for {
		length := 0
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(in, body); err != nil {
			return
		}
		var m struct {
			ID     *json.RawMessage `json:"id"`
			Method string           `json:"method"`
			Params struct {
				URI string `json:"uri"`
			} `json:"params"`
			Result json.RawMessage `json:"result"`
		}
		json.Unmarshal(body, &m)
		switch {
		case m.Method == "textDocument/publishDiagnostics" && m.Params.URI == uri:
			c.published <- struct{}{}
		case m.Method != "" && m.ID != nil:
			// A request from the server (workspace/configuration, …):
			// answer it, with null, so that it goes on.
			c.send(map[string]any{"id": m.ID, "result": nil})
		case m.Method == "" && m.ID != nil:
			id, _ := strconv.Atoi(string(*m.ID))
			c.mu.Lock()
			ch := c.replies[id]
			c.mu.Unlock()
			if ch != nil {
				ch <- m.Result
			}
		}
	}
}

func (c *rpc) drain() {
	for {
		select {
		case <-c.published:
		default:
			return
		}
	}
}

func (c *rpc) wait(d time.Duration) error {
	select {
	case <-c.published:
		return nil
	case <-time.After(d):
		return fmt.Errorf("no publishDiagnostics within %s", d)
	}
}
