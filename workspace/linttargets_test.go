package workspace

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The files named to kiln lint are read beside one another, yet the
// targets keep the order of the arguments, a directory's among them;
// with ManifestsOnly a file of another sort is passed over; a name that
// does not exist is the answer, whatever was read before it.
func TestLintTargetsKeepTheArgumentsOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	manifest := func(name string) string {
		return write(name, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+strings.TrimSuffix(filepath.Base(name), ".yaml")+"}\n")
	}
	var args []string
	for i := range 300 { // past one worker's share
		args = append(args, manifest(filepath.Join("many", string(rune('a'+i%26))+strings.Repeat("x", i/26)+".yaml")))
	}
	other := write("other.yaml", "just: a mapping\n")
	sub := filepath.Join(dir, "sub")
	manifest("sub/in-dir.yaml")
	last := manifest("last.yaml")
	args = append(args, other, sub, last)

	names := func(ts []lintTarget) []string {
		var out []string
		for _, tg := range ts {
			out = append(out, tg.file().Name)
		}
		return out
	}
	got, err := lintTargets(4, nil, "", LintOptions{ManifestsOnly: true}, args)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(args[:300]), filepath.Join(sub, "in-dir.yaml"), last)
	if !slices.Equal(names(got), want) {
		t.Errorf("targets out of order or wrongly kept:\ngot  %v\nwant %v", names(got), want)
	}
	got, err = lintTargets(4, nil, "", LintOptions{}, args)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names(got), other) {
		t.Errorf("without ManifestsOnly a named file is linted whatever it holds: %v", names(got))
	}
	_, err = lintTargets(4, nil, "", LintOptions{}, append(slices.Clone(args), filepath.Join(dir, "missing.yaml")))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file or directory") {
		t.Errorf("a missing file: got %v", err)
	}
}

// kiln lint - reads standard input beside loading its tools; when they
// do not load, the error is the answer at once, without waiting for the
// input to end (a terminal's never does).
func TestLintAnswersAToolsErrorWithoutWaitingForStdin(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	os.Mkdir(filepath.Join(root, ".kiln"), 0o755)
	if err := os.WriteFile(filepath.Join(root, ".kiln", "config.yaml"), []byte("failOn: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, w := io.Pipe() // never written nor closed
	defer w.Close()
	ws, err := Open(context.Background(), Options{Dir: root, Stdin: stdin, StdinName: "deploy.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ws.Lint(context.Background(), []string{"-"}, LintOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		var le *LoadError
		if !errors.As(err, &le) {
			t.Fatalf("got %v, want the configuration's LoadError", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kiln lint - waited for standard input to end before reporting its configuration's error")
	}
}
