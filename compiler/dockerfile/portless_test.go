package dockerfile_test

import (
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/dockerfile"
)

// portlessFindings runs the built-in guardrails over a Dockerfile beside
// an app with protocol none (see lineFindings).
func portlessFindings(t *testing.T, src []byte) []string {
	t.Helper()
	return lineFindings(t, map[string]any{"spec": map[string]any{"protocol": "none"}}, src)
}

// An app without a port gets a Dockerfile without EXPOSE, which the
// guardrails accept; a static site always has a port (the schema says so).
func TestPortlessDockerfileExposesNothing(t *testing.T) {
	for _, lang := range []string{"go", "node", "python", "java"} {
		a := &app.App{Metadata: app.Metadata{Name: "w"}, Spec: app.Spec{Protocol: "none", RunAs: nonroot,
			Build: &app.Build{Language: lang, Version: "21", Main: "./cmd/w"}}}
		b, err := dockerfile.Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "EXPOSE") || strings.Contains(string(b), "\n\n\n") {
			t.Errorf("%s: a Dockerfile for an app without a port:\n%s", lang, b)
		}
		if got := portlessFindings(t, b); len(got) > 0 {
			t.Errorf("%s: findings %v\n%s", lang, got, b)
		}
	}
}

// A hand-written Dockerfile that exposes a port beside an app that says it
// listens on none is an error at the EXPOSE.
func TestPortlessHandWrittenExpose(t *testing.T) {
	got := portlessFindings(t, []byte("FROM python:3.12-slim\nUSER 65532\nEXPOSE 8080\nCMD [\"python\", \"w.py\"]\n"))
	if strings.Join(got, ",") != "3 error dockerfile-expose" {
		t.Errorf("got %v, want the EXPOSE at line 3 reported", got)
	}
}
