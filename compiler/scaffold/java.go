package scaffold

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

type pom struct {
	ArtifactID string `xml:"artifactId"`
	Packaging  string `xml:"packaging"`
	Parent     struct {
		ArtifactID string `xml:"artifactId"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Modules      []string `xml:"modules>module"`
	Dependencies []struct {
		GroupID string `xml:"groupId"`
	} `xml:"dependencies>dependency"`
	Plugins []struct {
		ArtifactID string `xml:"artifactId"`
		Release    string `xml:"configuration>release"`
		Source     string `xml:"configuration>source"`
	} `xml:"build>plugins>plugin"`
}

// detectJava reads pom.xml (encoding/xml) or build.gradle(.kts): the
// artifact or root project names the app; the Java release the compiler
// targets, the version; Spring Boot, the port. kiln's Dockerfile builds
// Maven projects only, so a Gradle project keeps its own.
func detectJava(pr *probe, file string) {
	data := pr.read(file)
	pr.portConfig = pr.springPort
	pr.sourceExt = []string{".java"}
	if file != "pom.xml" {
		pr.gradle(file, data)
		return
	}
	var p pom
	if err := xml.Unmarshal(data, &p); err != nil {
		line := 0
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
		}
		pr.warn(file, line, "not valid XML: "+err.Error())
		p = pom{} // what came before the error is no more than a guess
	}
	if p.ArtifactID != "" {
		pr.name = Value{V: p.ArtifactID, From: src(file, data, lineAfterParent(data, "<artifactId>"))}
	}
	props := map[string]string{}
	for _, e := range p.Properties.Entries {
		props[e.XMLName.Local] = strings.TrimSpace(e.Value)
	}
	var stated, key string
	for _, k := range []string{"maven.compiler.release", "java.version", "maven.compiler.source"} {
		if props[k] != "" {
			stated, key = props[k], "<"+k+">"
			break
		}
	}
	spring := p.Parent.ArtifactID == "spring-boot-starter-parent"
	for _, pl := range p.Plugins {
		if stated == "" && pl.ArtifactID == "maven-compiler-plugin" {
			stated, key = cmpOr(pl.Release, pl.Source), "maven-compiler-plugin"
		}
		spring = spring || pl.ArtifactID == "spring-boot-maven-plugin"
	}
	for _, d := range p.Dependencies {
		spring = spring || d.GroupID == "org.springframework.boot"
	}
	if stated != "" {
		pr.p.Version = javaValue(stated, at(file, data, lineOf(data, 0, key)))
	}
	if spring {
		pr.frameworkPort = Value{V: "8080", From: "Spring Boot's default port (" + file + ")"}
	}
	switch {
	case p.Packaging == "pom" && len(p.Modules) > 0:
		pr.p.Main = Value{V: p.Modules[0], TODO: "the module whose jar runs, of " + strings.Join(p.Modules, ", ")}
	default:
		pr.p.Main = Value{V: ".", From: "the project is one Maven module"}
	}
}

// lineAfterParent is the line of the project's own needle, past the
// <parent> element, which has one of its own.
func lineAfterParent(data []byte, needle string) int {
	if end := bytes.Index(data, []byte("</parent>")); end >= 0 {
		return lineOf(data, end, needle)
	}
	return lineOf(data, 0, needle)
}

// javaValue maps a stated Java version to spec.build's.
func javaValue(stated, from string) Value {
	v, note := javaVersion(stated)
	if v == "" {
		return Value{TODO: fmt.Sprintf("%s says Java %s, which kiln pins no image for: set build.version", from, stated)}
	}
	if note != "" {
		return Value{V: v, From: "from " + from + "; " + note}
	}
	return Value{V: v, From: "from " + from}
}

var (
	gradleJava = []*regexp.Regexp{
		regexp.MustCompile(`JavaLanguageVersion\.of\(\s*(\d+)\s*\)`),
		regexp.MustCompile(`jvmToolchain\(\s*(\d+)\s*\)`),
		regexp.MustCompile(`sourceCompatibility\s*=\s*(?:JavaVersion\.)?["']?(VERSION_[0-9_]+|[0-9.]+)`),
	}
	gradleName = regexp.MustCompile(`rootProject\.name\s*=\s*["']([^"']+)["']`)
)

// gradle reads a Gradle build with patterns (its scripts are programs:
// only running Gradle would evaluate them), for the Java version, Spring
// Boot and, in settings.gradle(.kts), the root project's name.
func (pr *probe) gradle(file string, data []byte) {
	pr.p.Build = false
	pr.p.NoBuild = "kiln's Dockerfile builds Maven projects, and " + file + " is Gradle's: build the image with your own Dockerfile, which kiln checks against this definition"
	for _, re := range gradleJava {
		if m := re.FindSubmatchIndex(data); m != nil {
			pr.p.Version = javaValue(string(data[m[2]:m[3]]), at(file, data, lineAt(data, m[0])))
			break
		}
	}
	if bytes.Contains(data, []byte("org.springframework.boot")) {
		pr.frameworkPort = Value{V: "8080", From: "Spring Boot's default port (" + file + ")"}
	}
	for _, s := range []string{"settings.gradle.kts", "settings.gradle"} {
		sd := pr.read(s)
		if m := gradleName.FindSubmatchIndex(sd); m != nil {
			pr.name = Value{V: string(sd[m[2]:m[3]]), From: src(s, sd, lineAt(sd, m[0]))}
			break
		}
	}
}

var springPlaceholder = regexp.MustCompile(`^\$\{[^:}]+:(\d+)\}$`)

// springPort is server.port in Spring Boot's application.properties or
// application.yml; ${PORT:8081} is read as its default.
func (pr *probe) springPort() Value {
	dir := "src/main/resources/"
	for _, name := range []string{"application.properties", "application.yml", "application.yaml"} {
		file := dir + name
		data := pr.read(file)
		if data == nil {
			continue
		}
		var val string
		var line int
		if strings.HasSuffix(name, ".properties") {
			val, line = propertiesValue(data, "server.port")
		} else {
			val, line = yamlValue(data, "server", "port")
		}
		if m := springPlaceholder.FindStringSubmatch(val); m != nil {
			val = m[1]
		}
		if port, ok := parsePort(val); ok {
			return Value{V: fmt.Sprint(port), From: src(file, data, line)}
		}
	}
	return Value{}
}

// propertiesValue is key's value in a Java properties file (key=value,
// key: value or key value) and its line.
func propertiesValue(data []byte, key string) (string, int) {
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		rest, ok := strings.CutPrefix(l, key)
		if !ok || rest == "" || !strings.ContainsAny(rest[:1], "=: \t") {
			continue
		}
		return strings.TrimSpace(strings.TrimLeft(rest, "=: \t")), i + 1
	}
	return "", 0
}

// yamlValue is the scalar at server.port, written nested or as one
// dotted key, in the first document of a YAML file, and its line.
func yamlValue(data []byte, keys ...string) (string, int) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return "", 0
	}
	n := doc.Content[0]
	for i := 0; i < len(keys); i++ {
		next := mappingValue(n, keys[i])
		if next == nil {
			next = mappingValue(n, strings.Join(keys[i:], "."))
			i = len(keys)
		}
		if next == nil {
			return "", 0
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		return "", 0
	}
	return n.Value, n.Line
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
