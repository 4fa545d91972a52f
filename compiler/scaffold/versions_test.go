package scaffold

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestVersions maps what build files state to what spec.build pins: the
// newest release whose image satisfies the stated range.
func TestVersions(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{nodeVersion(">=18", "f").V, "24"},
		{nodeVersion("^20.11.0", "f").V, "20"},
		{nodeVersion("20.x", "f").V, "20"},
		{nodeVersion(">=18 <21", "f").V, "20"},
		{nodeVersion("18 || 20", "f").V, "20"},
		{nodeVersion("~20.11.0", "f").V, ""}, // no whole major: a TODO
		{nodeVersion("lts/iron", "f").V, ""},
		{pythonVersion(">=3.11", "f").V, "3.14"},
		{pythonVersion(">=3.10,<3.13", "f").V, "3.12"},
		{pythonVersion("~=3.11", "f").V, "3.14"},
		{pythonVersion("~=3.11.4", "f").V, "3.11"},
		{pythonVersion("==3.12.*", "f").V, "3.12"},
		{pythonVersion(poetryToPEP440("^3.11"), "f").V, "3.14"},
		{pythonVersion(poetryToPEP440("~3.11"), "f").V, "3.11"},
		{pythonVersion("<3.0", "f").V, ""},
		{javaValue("1.8", "f").V, "8"},
		{javaValue("17", "f").V, "17"},
		{javaValue("VERSION_11", "f").V, "11"},
		{javaValue("VERSION_1_8", "f").V, "8"},
		{javaValue("22", "f").V, "25"}, // the next LTS, said in the comment
		{javaValue("99", "f").V, ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if v := nodeVersion("~20.11.0", "package.json:5"); v.TODO == "" {
		t.Error("a range of no whole major is not a TODO")
	}
	if v := javaValue("22", "pom.xml:9"); v.From != "from pom.xml:9; Java 22's images are not kept: 25 is the next release with long-term support" {
		t.Errorf("java 22: %q", v.From)
	}
}

func TestDNSLabel(t *testing.T) {
	for in, want := range map[string]string{
		"checkout":               "checkout",
		"@acme/storefront":       "storefront",
		"Ledger_Service":         "ledger-service",
		"--x..y--":               "x-y",
		"日本":                     "",
		strings.Repeat("ab", 40): strings.Repeat("ab", 31) + "a",
	} {
		if got := DNSLabel(in); got != want {
			t.Errorf("DNSLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPortNames(t *testing.T) {
	for name, want := range map[string]bool{
		"port": true, "PORT": true, "defaultPort": true, "HTTP_PORT": true, "addr": true, "listenAddr": true,
		"report": false, "transport": false, "address": false, "portal": false,
	} {
		if portName(name) != want {
			t.Errorf("portName(%q) = %v", name, !want)
		}
	}
}

// TestCodePorts finds the port in each language's usual ways of saying
// it, and prefers a listen call's literal to a default.
func TestCodePorts(t *testing.T) {
	for _, c := range []struct {
		file, src string
		port      string
	}{
		{"main.go", "package main\nfunc main() { http.ListenAndServe(\":8081\", nil) }\n", "8081"},
		{"main.go", "package main\nfunc main() { ln, _ := net.Listen(\"tcp\", \"0.0.0.0:7070\"); _ = ln }\n", "7070"},
		{"main.go", "package main\nvar s = &http.Server{Addr: \":6060\"}\n", "6060"},
		{"main.go", "package main\nfunc main() { r.Run(\":5050\") }\n", "5050"},
		{"main.go", "package main\nfunc main() {\n\tport := os.Getenv(\"PORT\")\n\tif port == \"\" {\n\t\tport = \"9000\"\n\t}\n\thttp.ListenAndServe(\":\"+port, nil)\n}\n", "9000"},
		{"main.go", "package main\nfunc main() { http.ListenAndServe(\":\"+cmp.Or(os.Getenv(\"PORT\"), \"4040\"), nil) }\n", "4040"},
		{"main.go", "package main\nconst defaultPort = 3030\nfunc main() { http.ListenAndServe(\":4444\", nil) }\n", "4444"},
		{"main.go", "package main\nvar report = 12345\n", ""},
		{"server.js", "const port = process.env.PORT ?? 4000;\napp.listen(port);\n", "4000"},
		{"server.js", "app.listen(8000, () => {});\n", "8000"},
		{"app.py", "app.run(host='0.0.0.0', port=8001)\n", "8001"},
		{"app.py", "port = int(os.getenv('PORT', '8002'))\n", "8002"},
	} {
		pr := &probe{fs: fstest.MapFS{c.file: {Data: []byte(c.src)}}, p: &Project{}, files: []string{c.file},
			sourceExt: []string{".go", ".js", ".py"}}
		if got := pr.codePort().V; got != c.port {
			t.Errorf("%s %q: port %q, want %q", c.file, c.src, got, c.port)
		}
	}
}
