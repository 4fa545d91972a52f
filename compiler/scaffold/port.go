package scaffold

import (
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/source"
)

// A portHit is a port found in a file, at its line. Rank 0 is a port the
// code listens on; rank 1 a default it falls back to.
type portHit struct {
	port, line, rank int
}

// detectPort finds the port the app listens on. What the project states
// for itself wins over what its framework does by default: an existing
// Dockerfile's EXPOSE, then its configuration (Spring's server.port),
// then its code (a listen call's literal, then a PORT default), then the
// framework's default, then kiln's choice for a static site.
func (pr *probe) detectPort() {
	for _, find := range []func() Value{pr.exposedPort, pr.configPort, pr.codePort} {
		if v := find(); v.V != "" {
			pr.p.Port = v
			return
		}
	}
	switch {
	case pr.frameworkPort.V != "":
		pr.p.Port = pr.frameworkPort
	case pr.p.Static:
		pr.p.Port = Value{V: "8080", From: "kiln's static image serves the site on it; any port above 1023 will do"}
	default:
		pr.p.Port = Value{V: "8080", TODO: "the port the app listens on: nothing in the project says"}
	}
}

func (pr *probe) configPort() Value {
	if pr.portConfig == nil {
		return Value{}
	}
	return pr.portConfig()
}

// exposedPort is the first port the last stage of the project's own
// Dockerfile exposes, read with BuildKit's parser (through
// compiler/dockerfile, which expands the ARG and ENV values it sets).
func (pr *probe) exposedPort() Value {
	data := pr.read("Dockerfile")
	if data == nil {
		return Value{}
	}
	ins, ds := dockerfile.Parse(source.NewFile("Dockerfile", data))
	if len(ds) > 0 {
		line, _ := ds[0].Pos.LineCol()
		pr.warn("Dockerfile", line, ds[0].Message)
		return Value{}
	}
	last := 0
	for _, in := range ins {
		last = max(last, in.Stage)
	}
	for _, in := range ins {
		if in.Command != "expose" || in.Stage != last {
			continue
		}
		for _, a := range in.Expanded {
			num, proto, _ := strings.Cut(a, "/")
			if port, ok := parsePort(num); ok && (proto == "" || strings.EqualFold(proto, "tcp")) {
				return Value{V: strconv.Itoa(port), From: src("Dockerfile", data, in.Line)}
			}
		}
	}
	return Value{}
}

// Ports in the code of languages without a parser here: a listen call's
// literal (app.listen(3000), app.run(port=5000)), rank 0, and a default
// of the PORT variable (process.env.PORT || 3000,
// os.environ.get("PORT", 5000)), rank 1.
var codePorts = map[string][]portPattern{
	".js": {
		{regexp.MustCompile(`\.listen\(\s*(\d{2,5})\b`), 0},
		{regexp.MustCompile(`process\.env\.PORT\s*(?:\|\||\?\?)\s*["']?(\d{2,5})\b`), 1},
	},
	".py": {
		{regexp.MustCompile(`\.run\([^)\n]*\bport\s*=\s*(\d{2,5})\b`), 0},
		{regexp.MustCompile(`(?:os\.environ\.get|os\.getenv)\(\s*["']PORT["']\s*,\s*["']?(\d{2,5})\b`), 1},
	},
}

func init() {
	for _, ext := range []string{".mjs", ".cjs", ".ts"} {
		codePorts[ext] = codePorts[".js"]
	}
}

// codePort reads the language's source files, the program's own first
// (build.main's directory), then the others in lexical order, within
// bounds, for the port the app listens on: the first of the best rank
// found. An example or a tool elsewhere in the project listens on ports
// of its own.
func (pr *probe) codePort() Value {
	var best *portHit
	var bestFile string
	var bestData []byte
	scanned := 0
	for _, f := range pr.programFirst() {
		ext := path.Ext(f)
		if !slices.Contains(pr.sourceExt, ext) || strings.HasSuffix(f, "_test.go") || strings.Contains(f, ".test.") {
			continue
		}
		if scanned++; scanned > maxScanned {
			break
		}
		data := pr.read(f)
		var hits []portHit
		if ext == ".go" {
			hits = goPorts(f, data)
		} else {
			hits = regexPorts(codePorts[ext], data)
		}
		for _, h := range hits {
			if best == nil || h.rank < best.rank {
				best, bestFile, bestData = &h, f, data
			}
		}
		if best != nil && best.rank == 0 {
			break
		}
	}
	if best == nil {
		return Value{}
	}
	return Value{V: strconv.Itoa(best.port), From: src(bestFile, bestData, best.line)}
}

// A portPattern finds a port in source code: its first group.
type portPattern struct {
	re   *regexp.Regexp
	rank int
}

// regexPorts are the ports res find in data, by line.
func regexPorts(res []portPattern, data []byte) []portHit {
	var hits []portHit
	for _, r := range res {
		for _, m := range r.re.FindAllSubmatchIndex(data, -1) {
			if port, ok := parsePort(string(data[m[2]:m[3]])); ok {
				hits = append(hits, portHit{port: port, line: lineAt(data, m[2]), rank: r.rank})
			}
		}
	}
	slices.SortFunc(hits, func(a, b portHit) int { return a.line - b.line })
	return hits
}

// programFirst are the project's files with those of build.main's
// directory first, each part in lexical order.
func (pr *probe) programFirst() []string {
	dir := strings.TrimPrefix(pr.p.Main.V, "./")
	if dir == "" || dir == "." || path.Ext(dir) != "" {
		return pr.files
	}
	var own, others []string
	for _, f := range pr.files {
		if path.Dir(f) == dir {
			own = append(own, f)
		} else {
			others = append(others, f)
		}
	}
	return append(own, others...)
}

// grpcServers find where code starts a gRPC server, by language: an app
// that does speaks gRPC on its port (protocol grpc, probed with gRPC's
// health protocol), even when it also calls other services over it.
var grpcServers = map[string]*regexp.Regexp{
	".go":   regexp.MustCompile(`\bgrpc\.NewServer\(`),
	".js":   regexp.MustCompile(`\bnew\s+grpc\.Server\(`),
	".py":   regexp.MustCompile(`\bgrpc\.(?:aio\.)?server\(`),
	".java": regexp.MustCompile(`\b(?:Netty)?ServerBuilder\s*\.\s*forPort\(`),
}

func init() {
	for _, ext := range []string{".mjs", ".cjs", ".ts"} {
		grpcServers[ext] = grpcServers[".js"]
	}
}

// detectProtocol is grpc when the project's code starts a gRPC server,
// the program's own files first; else empty, kiln's default (http).
func (pr *probe) detectProtocol() {
	scanned := 0
	for _, f := range pr.programFirst() {
		re := grpcServers[path.Ext(f)]
		if re == nil || !slices.Contains(pr.sourceExt, path.Ext(f)) || strings.HasSuffix(f, "_test.go") {
			continue
		}
		if scanned++; scanned > maxScanned {
			return
		}
		data := pr.read(f)
		if loc := re.FindIndex(data); loc != nil {
			pr.p.Protocol = Value{V: "grpc", From: src(f, data, lineAt(data, loc[0]))}
			return
		}
	}
}
