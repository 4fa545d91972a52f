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

// benchEditors measures kiln lsp and yaml-language-server, if found.
func benchEditors(tmp, kiln string, edits int) {
	dir := filepath.Join(tmp, "editor", "checkout")
	os.MkdirAll(filepath.Join(tmp, "editor", ".git"), 0o755)
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "kiln.yaml")
	text := editApp()
	check(os.WriteFile(file, []byte(text), 0o644))
	lines := strings.Count(text, "\n")
	fmt.Printf("\neditor: %d-line app, %d edits, didChange → publishDiagnostics\n", lines, edits)
	k, err := measureServer([]string{kiln, "lsp", "--cache-dir", filepath.Join(tmp, "lsp-cache")}, file, text, edits, nil)
	check(err)
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
		y, err = measureServer([]string{yls, "--stdio"}, file, text, edits, settings)
		check(err)
	}
	fmt.Fprintf(w, "kiln lsp\t%s\t%s\t%s\t%s\t\n", ms(k.cold), ms(k.p50), ms(k.p95), ratio(k.p95, y.p95))
	if yls != "" {
		fmt.Fprintf(w, "yaml-language-server\t%s\t%s\t%s\t\t\n", ms(y.cold), ms(y.p50), ms(y.p95))
	} else {
		fmt.Fprintln(w, "yaml-language-server\tnot installed (npm install yaml-language-server; or set KILN_BENCH_YLS)\t\t\t\t")
	}
	w.Flush()
}

// findYLS looks for yaml-language-server: $KILN_BENCH_YLS, then PATH.
func findYLS() string {
	if p := os.Getenv("KILN_BENCH_YLS"); p != "" {
		return p
	}
	p, _ := exec.LookPath("yaml-language-server")
	return p
}

func fileURI(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// measureServer opens file in a fresh server process, then edits it: one
// edit at a time, each timed until the server publishes diagnostics for
// the file again.
func measureServer(argv []string, file, text string, edits int, settings any) (latency, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return latency{}, err
	}
	defer cmd.Process.Kill()
	c := &rpc{w: stdin, published: make(chan struct{}, 1024), replies: map[int]chan json.RawMessage{}}
	go c.read(bufio.NewReader(stdout), fileURI(file))
	root := filepath.Dir(filepath.Dir(file))
	c.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": fileURI(root), "capabilities": map[string]any{
		"textDocument": map[string]any{"publishDiagnostics": map[string]any{"versionSupport": true}}}})
	c.notify("initialized", map[string]any{})
	if settings != nil {
		c.notify("workspace/didChangeConfiguration", map[string]any{"settings": settings})
	}
	u := fileURI(file)
	began := time.Now()
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": u, "languageId": "yaml", "version": 1, "text": text}})
	if err := c.wait(30 * time.Second); err != nil {
		return latency{}, fmt.Errorf("%s: first diagnostics: %w", argv[0], err)
	}
	var l latency
	l.cold = time.Since(began)
	var times []time.Duration
	for i := 0; i < edits; i++ {
		// A value changes on every edit, as typing does: no edit is a
		// repeat of an earlier text.
		edited := strings.Replace(text, "cpuTarget: 70", "cpuTarget: "+strconv.Itoa(50+i%40), 1)
		edited = strings.Replace(edited, "# kiln.yaml: the checkout service", fmt.Sprintf("# kiln.yaml: the checkout service (edit %d)", i), 1)
		c.drain()
		began := time.Now()
		c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": u, "version": i + 2},
			"contentChanges": []any{map[string]any{"text": edited}}})
		if err := c.wait(30 * time.Second); err != nil {
			return latency{}, fmt.Errorf("%s: edit %d: %w", argv[0], i, err)
		}
		times = append(times, time.Since(began))
	}
	slices.Sort(times)
	l.p50, l.p95 = times[len(times)/2], times[len(times)*95/100]
	c.call("shutdown", nil)
	c.notify("exit", nil)
	return l, nil
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
