package dockerfile_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/dockerfile"
	"github.com/kilnhq/kiln/compiler/guard"
	"github.com/kilnhq/kiln/compiler/source"
)

// nonroot is spec.runAs's default.
var nonroot = app.RunAs{User: 65532, Group: 65532, FSGroup: 65532}

func appWith(lang, version string, port int) *app.App {
	return &app.App{Metadata: app.Metadata{Name: "a"}, Spec: app.Spec{Port: port, RunAs: nonroot,
		Build: &app.Build{Language: lang, Version: version, Main: "./cmd/a"}}}
}

// dockerfileFindings runs the built-in guardrails over a Dockerfile
// beside an app with a port and returns "line severity rule" per finding
// about the Dockerfile, by line.
func dockerfileFindings(t *testing.T, src string, port int) []string {
	t.Helper()
	return lineFindings(t, map[string]any{"spec": map[string]any{"port": port}}, []byte(src))
}

// lineFindings is "line severity rule" per finding of guardFindings
// about the Dockerfile, by line.
func lineFindings(t *testing.T, app map[string]any, src []byte) []string {
	t.Helper()
	var got []string
	for _, f := range guardFindings(t, app, src) {
		if f.DockerfileLine > 0 {
			got = append(got, strings.Join([]string{strconv.Itoa(f.DockerfileLine), f.Severity.String(), f.Rule.ID}, " "))
		}
	}
	slices.Sort(got) // by line: findings come sorted by rule
	return got
}

// guardFindings runs the built-in guardrails over a Dockerfile beside an
// app, as the guardrails' input holds the app.
func guardFindings(t *testing.T, app map[string]any, src []byte) []guard.Finding {
	t.Helper()
	ins, ds := dockerfile.Parse(source.NewFile("Dockerfile", src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	b, err := guard.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	found, err := b.Eval(context.Background(), guard.Input{App: app, Dockerfile: ins})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// Every generated Dockerfile parses with BuildKit and passes the rules
// kiln applies to hand-written ones: it exposes the app's port, runs as
// non-root and pins its images.
func TestGeneratedDockerfilesPassTheGuardrails(t *testing.T) {
	for lang, version := range map[string]string{"go": "1.23", "node": "22", "python": "3.12", "java": "21", "static": "1.36"} {
		a := appWith(lang, version, 9123)
		b, err := dockerfile.Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := dockerfileFindings(t, string(b), 9123); len(got) > 0 {
			t.Errorf("%s: generated Dockerfile has findings: %v\n%s", lang, got, b)
		}
		ins, _ := dockerfile.Parse(source.NewFile("Dockerfile", b))
		var froms int
		for _, in := range ins {
			if in.Command == "from" {
				froms++
			}
		}
		if froms < 1 || !strings.Contains(string(b), "EXPOSE 9123\n") || !strings.Contains(string(b), version) {
			t.Errorf("%s: unexpected Dockerfile:\n%s", lang, b)
		}
		if lang != "static" && froms < 2 {
			t.Errorf("%s: not a multi-stage build:\n%s", lang, b)
		}
	}
}

func TestHandWrittenDisagreements(t *testing.T) {
	src := `FROM golang AS build
RUN go build -o /app .
FROM alpine:latest
ADD https://example.com/tool.tgz /tmp/
COPY --from=build /app /app
USER root
EXPOSE 9090/tcp
`
	want := []string{
		"1 warning dockerfile-base-pinned",
		"3 warning dockerfile-base-pinned",
		"4 warning dockerfile-add-url",
		"6 warning dockerfile-user",
		"7 error dockerfile-expose",
	}
	got := dockerfileFindings(t, src, 8080)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStageNamesAndMissingUser(t *testing.T) {
	got := dockerfileFindings(t, "FROM golang:1.23 AS build\nFROM build\nEXPOSE 8080\n", 8080)
	if strings.Join(got, ",") != "2 warning dockerfile-user" {
		t.Errorf("got %v, want only the missing USER at the final FROM (a stage name is not an unpinned image)", got)
	}
}

func TestParseCountsStages(t *testing.T) {
	ins, _ := dockerfile.Parse(source.NewFile("Dockerfile", []byte("ARG V=1\nFROM a:1 AS x\nRUN true\nFROM b:2\nCMD [\"run\"]\n")))
	var got []string
	for _, in := range ins {
		got = append(got, in.Command+":"+strconv.Itoa(in.Stage)+":"+strconv.FormatBool(in.JSON))
	}
	if strings.Join(got, " ") != "arg:0:false from:0:false run:0:false from:1:false cmd:1:true" {
		t.Errorf("got %v", got)
	}
}

// EXPOSE and USER are judged by the values the Dockerfile gives their
// variables, expanded as BuildKit's frontend expands them: ARG and ENV
// defaults in the stage, a global ARG only where the stage declares it
// again, and nothing for a variable without a known value.
func TestExposeAndUserExpandVariables(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"arg default", "FROM a:1\nARG PORT=80\nUSER 65532\nEXPOSE ${PORT}\n", []string{"4 error dockerfile-expose"}},
		{"arg default agrees", "FROM a:1\nARG PORT=8080\nUSER 65532\nEXPOSE $PORT/tcp\n", nil},
		{"env", "FROM a:1\nENV PORT=9090 OTHER=1\nUSER 65532\nEXPOSE ${PORT}\n", []string{"4 error dockerfile-expose"}},
		{"env from arg", "FROM a:1\nARG P=81\nENV PORT=$P\nUSER 65532\nEXPOSE ${PORT}\n", []string{"5 error dockerfile-expose"}},
		{"global arg redeclared", "ARG PORT=80\nFROM a:1\nARG PORT\nUSER 65532\nEXPOSE ${PORT}\n", []string{"5 error dockerfile-expose"}},
		{"global arg not redeclared", "ARG PORT=80\nFROM a:1\nUSER 65532\nEXPOSE ${PORT}\n", nil},
		{"arg without default", "FROM a:1\nARG PORT\nUSER 65532\nEXPOSE ${PORT}\n", nil},
		{"arg of an earlier stage", "FROM a:1 AS b\nARG PORT=80\nFROM b\nUSER 65532\nEXPOSE ${PORT}\n", nil},
		// PORT may come from the base image's ENV, which kiln does not read.
		{"default operator", "FROM a:1\nUSER 65532\nEXPOSE ${PORT:-80}\n", nil},
		{"several ports in one word", "FROM a:1\nARG PORTS=\"8080 9090\"\nUSER 65532\nEXPOSE $PORTS\n", []string{"4 error dockerfile-expose"}},
		{"root user", "FROM a:1\nARG UID=0\nUSER ${UID}\nEXPOSE 8080\n", []string{"3 warning dockerfile-user"}},
	} {
		got := dockerfileFindings(t, c.src, 8080)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseExpands(t *testing.T) {
	ins, _ := dockerfile.Parse(source.NewFile("Dockerfile", []byte("ARG U=app\nFROM a:1\nARG U\nARG P=80\nENV Q=\"$P 81\"\nUSER ${U}:$P\nEXPOSE $Q $R\nRUN echo $P\n")))
	var got []string
	for _, in := range ins {
		if in.Expanded != nil {
			got = append(got, in.Command+"="+strings.Join(in.Expanded, "|"))
		}
	}
	if strings.Join(got, " ") != "user=app:80 expose=80|81|$R" {
		t.Errorf("got %v", got)
	}
}

// Java builds build.main's Maven module and copies the jar Maven names:
// never a glob over target/, which matches two jars as soon as a build
// also packages sources or shades.
func TestJavaBuildsTheModuleAndItsJar(t *testing.T) {
	for main, want := range map[string]string{
		".":                   "mvn -B -q package -DskipTests && \\",
		"./services/checkout": "mvn -B -q package -DskipTests -pl services/checkout -am && \\",
		"services/checkout/":  "mvn -B -q package -DskipTests -pl services/checkout -am && \\",
	} {
		a := appWith("java", "25", 8080)
		a.Spec.Build.Main = main
		b, err := dockerfile.Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) || strings.Contains(string(b), "*.jar") ||
			!strings.Contains(string(b), `cp "$dir/$name.jar" /app.jar`) {
			t.Errorf("main %q:\n%s", main, b)
		}
	}
}
