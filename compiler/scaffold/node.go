package scaffold

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

type packageJSON struct {
	Name    string            `json:"name"`
	Main    string            `json:"main"`
	Engines map[string]string `json:"engines"`
	Scripts map[string]string `json:"scripts"`
	Deps    map[string]string `json:"dependencies"`
}

// nodeFrameworks are the frameworks whose apps listen on 3000 by custom
// (express's generator, fastify's and Nest's examples, next start).
var nodeFrameworks = []string{"express", "fastify", "@nestjs/core", "next", "koa"}

// nodeMajors are the Node.js majors whose images kiln would pin, newest
// first: the even, long-term-support releases up to kiln's default.
var nodeMajors = []int{24, 22, 20, 18}

// detectNode reads package.json: the name, engines.node (an npm semver
// range, read with Masterminds/semver) for the version, the script node
// runs, and the framework for its customary port.
func detectNode(pr *probe, file string) {
	data := pr.read(file)
	var pkg packageJSON
	if err := json.Unmarshal(data, &pkg); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			pr.warn(file, lineAt(data, int(syntax.Offset)), "not valid JSON: "+err.Error())
		case errors.As(err, &typ): // the other fields are read still
			pr.warn(file, lineAt(data, int(typ.Offset)), fmt.Sprintf("%s is a JSON %s, not what npm reads there", typ.Field, typ.Value))
		default:
			pr.warn(file, 0, err.Error())
		}
	}
	if pkg.Name != "" {
		pr.name = Value{V: pkg.Name, From: src(file, data, lineOf(data, 0, `"name"`))}
	}
	if rng := pkg.Engines["node"]; rng != "" {
		pr.p.Version = nodeVersion(rng, at(file, data, lineAfter(data, `"engines"`, `"node"`)))
	} else if nvm := pr.read(".nvmrc"); nvm != nil {
		// .nvmrc names one release; the image of its major is the newest.
		stated := strings.TrimPrefix(strings.TrimSpace(string(nvm)), "v")
		major, _, _ := strings.Cut(stated, ".")
		pr.p.Version = nodeVersion(major+".x", ".nvmrc: "+stated)
	}
	pr.p.Main = pr.nodeMain(pkg, file, data)
	if !pr.exists("package-lock.json") {
		pr.p.Lacks = append(pr.p.Lacks, "package-lock.json, which npm ci installs from: run npm install and commit it")
	}
	for _, fw := range nodeFrameworks {
		if _, ok := pkg.Deps[fw]; ok {
			pr.frameworkPort = Value{V: "3000", From: fmt.Sprintf("%s's customary port (%s depends on %s)", fw, file, fw)}
			break
		}
	}
	pr.sourceExt = []string{".js", ".mjs", ".cjs", ".ts"}
}

// lineAfter is the line of the first needle after the first before: a
// nested key at its own line.
func lineAfter(data []byte, before, needle string) int {
	start := strings.Index(string(data), before)
	if start < 0 {
		return 0
	}
	return lineOf(data, start, needle)
}

// nodeVersion is the newest long-term-support major that satisfies rng,
// as the image tag node:20-slim is the newest 20.x.
func nodeVersion(rng, from string) Value {
	rng = strings.TrimPrefix(strings.TrimSpace(rng), "v")
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return Value{TODO: fmt.Sprintf("%s says Node.js %q, which is not a version range: set build.version", from, rng)}
	}
	for _, m := range nodeMajors {
		if c.Check(semver.New(uint64(m), 999, 0, "", "")) {
			return Value{V: fmt.Sprint(m), From: "from " + from}
		}
	}
	return Value{TODO: fmt.Sprintf("%s says Node.js %s, which no whole long-term-support release (%v) satisfies: set build.version", from, rng, nodeMajors)}
}

// nodeMain is the script node runs: package.json's main (the default,
// "."), else the script of "start": "node server.js", else a server.js,
// app.js or index.js at the root.
func (pr *probe) nodeMain(pkg packageJSON, file string, data []byte) Value {
	if pkg.Main != "" {
		return Value{V: ".", From: "runs " + file + "'s main, " + pkg.Main}
	}
	if f := strings.Fields(pkg.Scripts["start"]); len(f) == 2 && f[0] == "node" {
		return Value{V: f[1], From: src(file, data, lineOf(data, 0, `"start"`))}
	}
	for _, s := range []string{"server.js", "app.js", "index.js"} {
		if pr.exists(s) {
			return Value{V: s, From: "the script at the project's root"}
		}
	}
	return Value{TODO: "the script node runs (server.js, or dist/server.js after npm run build)"}
}
