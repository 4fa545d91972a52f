package engine

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// Two builds that differ (here by a variable set with -ldflags -X, as a
// build from an edited checkout differs by its code) have different
// identities even when the go command stamped them with one version, so
// that neither reads the other's cache entries; one build always has the
// same identity.
func TestToolIDSeparatesBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n\nvar v = \"x\"\n\nfunc main() { println(v) }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tool\n\ngo 1.21\n"), 0o644)
	build := func(name, v string) string {
		exe := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", exe, "-ldflags=-X main.v="+v, ".")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return exe
	}
	a, b := build("a", "one"), build("b", "two")
	// What a build from a modified checkout reports.
	dirty := &debug.BuildInfo{Main: debug.Module{Path: "github.com/kilnhq/kiln", Version: "v0.0.0-20260101120000-0123456789ab+dirty"}}
	idA, idB := toolIDOf(dirty, a, nil), toolIDOf(dirty, b, nil)
	if idA == idB {
		t.Fatalf("two different builds share the identity %s", idA)
	}
	if again := toolIDOf(dirty, a, nil); again != idA {
		t.Errorf("one build, two identities: %s, %s", idA, again)
	}
	e1, e2 := &Engine{tool: idA}, &Engine{tool: idB}
	if e1.Key("s", 1).Sum() == e2.Key("s", 1).Sum() {
		t.Error("two builds compute one key")
	}
	// The identity is the Go build ID, read without hashing the binary.
	if runtime.GOOS == "linux" {
		out, err := exec.Command("go", "tool", "buildid", a).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := "buildid:" + strings.TrimSpace(string(out)); idA != want {
			t.Errorf("identity %s, want %s", idA, want)
		}
	}
}

func TestIsRelease(t *testing.T) {
	for v, want := range map[string]bool{
		"v1.2.3":                               true,
		"v1.2.3-rc.1":                          true,
		"(devel)":                              false,
		"":                                     false,
		"v1.2.3+dirty":                         false,
		"v0.0.0-20260101120000-0123456789ab":   false,
		"v1.2.4-0.20260101120000-0123456789ab": false,
		"v1.2.4-rc.1.0.20260101120000-0123456789ab": false,
		"v0.0.0-20260101120000-0123456789ab+dirty":  false,
	} {
		if got := isRelease(&debug.BuildInfo{Main: debug.Module{Version: v}}); got != want {
			t.Errorf("isRelease(%q) = %v, want %v", v, got, want)
		}
	}
	modified := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}}
	if isRelease(modified) {
		t.Error("a modified checkout is a release")
	}
}
