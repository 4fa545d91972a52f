package dockerfile

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/source"
)

func appWith(lang, version string, port int) *app.App {
	return &app.App{Metadata: app.Metadata{Name: "a"}, Spec: app.Spec{Port: port,
		Build: &app.Build{Language: lang, Version: version, Main: "./cmd/a"}}}
}

// Every generated Dockerfile parses with BuildKit and passes kiln's own
// check: it exposes the app's port, runs as non-root and pins its images.
func TestGeneratedDockerfilesPassTheirOwnCheck(t *testing.T) {
	for lang, version := range map[string]string{"go": "1.23", "node": "22", "python": "3.12", "java": "21", "static": "1.36"} {
		a := appWith(lang, version, 9123)
		b, err := Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		f := source.NewFile("Dockerfile", b)
		if ds := Check(f, a); len(ds) > 0 {
			t.Errorf("%s: generated Dockerfile has findings: %v\n%s", lang, ds, b)
		}
		ins, _ := Parse(f)
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

func TestCheckFindsDisagreements(t *testing.T) {
	src := `FROM golang AS build
RUN go build -o /app .
FROM alpine:latest
ADD https://example.com/tool.tgz /tmp/
COPY --from=build /app /app
USER root
EXPOSE 9090/tcp
`
	ds := Check(source.NewFile("Dockerfile", []byte(src)), &app.App{Spec: app.Spec{Port: 8080}})
	want := []string{
		"1 warning dockerfile/unpinned-base",
		"3 warning dockerfile/unpinned-base",
		"4 warning dockerfile/add-url",
		"6 warning dockerfile/user",
		"7 error dockerfile/expose",
	}
	var got []string
	for _, d := range ds {
		line, _ := d.Pos.LineCol()
		got = append(got, strings.Join([]string{strconv.Itoa(line), d.Severity.String(), d.Code}, " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckStageNamesAndMissingUser(t *testing.T) {
	src := "FROM golang:1.23 AS build\nFROM build\nEXPOSE 8080\n"
	ds := Check(source.NewFile("Dockerfile", []byte(src)), &app.App{Spec: app.Spec{Port: 8080}})
	if len(ds) != 1 || ds[0].Code != "dockerfile/user" {
		t.Errorf("got %v, want only the missing USER (a stage name is not an unpinned image)", ds)
	}
}
