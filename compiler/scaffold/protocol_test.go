package scaffold_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kilnhq/kiln/compiler/scaffold"
)

// TestProtocol: code that starts a gRPC server makes the app grpc, in each
// language; a client of gRPC services stays http. The definition
// validates either way.
func TestProtocol(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string // the protocol's line, "" for none
	}{
		{"go server", map[string]string{"go.mod": "module x/ship\n\ngo 1.24\n",
			"main.go": "package main\n\nfunc main() {\n\tsrv := grpc.NewServer()\n\t_ = srv\n}\n"},
			"protocol: grpc  # from main.go:4: srv := grpc.NewServer()"},
		{"go client", map[string]string{"go.mod": "module x/web\n\ngo 1.24\nrequire google.golang.org/grpc v1.70.0\n",
			"main.go": "package main\n\nfunc main() { conn, _ := grpc.NewClient(\"ship:50051\"); _ = conn }\n"}, ""},
		{"node", map[string]string{"package.json": `{"name": "currency"}`,
			"server.js": "const grpc = require('@grpc/grpc-js');\nconst server = new grpc.Server();\n"},
			"protocol: grpc  # from server.js:2: const server = new grpc.Server();"},
		{"python", map[string]string{"requirements.txt": "grpcio\n",
			"server.py": "import grpc\nserver = grpc.server(futures.ThreadPoolExecutor(max_workers=10))\n"},
			"protocol: grpc  # from server.py:2: server = grpc.server(futures.ThreadPoolExecutor(max_worke..."},
		{"java", map[string]string{"pom.xml": "<project><artifactId>ads</artifactId></project>",
			"src/main/java/Ads.java": "class Ads {\n  void start() {\n    server = ServerBuilder.forPort(port).build();\n  }\n}\n"},
			"protocol: grpc  # from src/main/java/Ads.java:3: server = ServerBuilder.forPort(port).build();"},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := fstest.MapFS{}
			for n, content := range c.files {
				repo[n] = &fstest.MapFile{Data: []byte(content)}
			}
			p, err := scaffold.Detect(scaffold.Options{Repo: repo, Dir: ".", DirName: "app"})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := p.Render("")
			var got string
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, "  protocol:") {
					got = strings.TrimSpace(l)
				}
			}
			if got != c.want {
				t.Errorf("protocol line %q, want %q", got, c.want)
			}
			mustValidate(t, data)
		})
	}
}
