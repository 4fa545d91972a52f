package scaffold

import (
	"fmt"
	"slices"
	"strings"
)

// A language is one language kiln init recognises: the build files that
// say a project is written in it, and how to read them.
type language struct {
	name   string
	files  []string // any of them says the project is in this language
	detect func(pr *probe, file string)
}

// languages in the order detection tries them: a Go, Java or Python
// project often carries a package.json for its front end or its tools,
// and many projects carry an index.html, so node and static come last.
var languages = []language{
	{"go", []string{"go.mod"}, detectGo},
	{"java", []string{"pom.xml", "build.gradle.kts", "build.gradle"}, detectJava},
	{"python", []string{"pyproject.toml", "requirements.txt"}, detectPython},
	{"node", []string{"package.json"}, detectNode},
	{"static", []string{"index.html", "public/index.html", "site/index.html", "www/index.html"}, detectStatic},
}

// detectLanguage finds the project's language from its build files and
// reads from them what they state: version, main, name, framework.
func (pr *probe) detectLanguage() {
	p := pr.p
	for _, l := range languages {
		i := slices.IndexFunc(l.files, pr.exists)
		if i < 0 {
			continue
		}
		if p.Language.V != "" {
			if l.name != "static" { // a page beside a service is common, and says little
				p.Others = append(p.Others, l.files[i])
			}
			continue
		}
		p.Language = Value{V: l.name, From: "from " + l.files[i]}
		p.Build = true
		l.detect(pr, l.files[i])
	}
	switch {
	case p.Language.V == "":
		p.Build = false
		p.NoBuild = "no go.mod, package.json, pyproject.toml, requirements.txt, pom.xml, build.gradle or index.html here says the language"
	case pr.exists("Dockerfile"):
		// The project builds its image already: kiln checks that
		// Dockerfile against the definition instead of writing one.
		p.Build = false
		p.NoBuild = "the project has its own Dockerfile, which kiln checks against this definition (EXPOSE, USER)"
	}
}

// javaLTS are the Java releases with long-term support, the ones Temurin's
// images are kept for; a project that targets another runs on the next.
var javaLTS = []int{8, 11, 17, 21, 25}

// javaVersion maps a Java version as build files state it (1.8, 17,
// VERSION_17, "21") to the release spec.build pins: the same LTS release,
// or the next one.
func javaVersion(stated string) (string, string) {
	s := strings.Trim(strings.TrimPrefix(stated, "VERSION_"), `"' `)
	s = strings.ReplaceAll(s, "_", ".")
	s = strings.TrimPrefix(s, "1.") // 1.8 is Java 8
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		return "", ""
	}
	for _, lts := range javaLTS {
		if lts == n {
			return fmt.Sprint(lts), ""
		}
		if lts > n {
			return fmt.Sprint(lts), fmt.Sprintf("Java %d's images are not kept: %d is the next release with long-term support", n, lts)
		}
	}
	return "", ""
}
