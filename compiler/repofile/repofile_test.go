package repofile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	os.MkdirAll(filepath.Dir(name), 0o755)
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestRead(t *testing.T) {
	outside := t.TempDir()
	secret := write(t, filepath.Join(outside, "secret"), "password\n")
	root := t.TempDir()
	write(t, filepath.Join(root, "ok.yaml"), "a: 1\n")
	os.Symlink("ok.yaml", filepath.Join(root, "link-in.yaml"))
	os.Symlink(secret, filepath.Join(root, "link-out.yaml"))
	os.Symlink("../"+filepath.Base(outside)+"/secret", filepath.Join(root, "relative-out.yaml"))
	os.Symlink("/dev/zero", filepath.Join(root, "zero.yaml"))
	os.Symlink("nothing", filepath.Join(root, "dangling.yaml"))
	os.Mkdir(filepath.Join(root, "dir.yaml"), 0o755)
	mkfifo(t, filepath.Join(root, "fifo.yaml"))
	sparse, err := os.Create(filepath.Join(root, "sparse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sparse.Truncate(2 << 30) // 2 GiB, no blocks written
	sparse.Close()

	for _, tc := range []struct {
		name, root string
		want       string // the content, or a part of the refusal
		refused    bool
	}{
		{"ok.yaml", root, "a: 1\n", false},
		{"link-in.yaml", root, "a: 1\n", false},
		{"link-out.yaml", root, "outside the repository root", true},
		{"relative-out.yaml", root, "outside the repository root", true},
		{"zero.yaml", root, "resolves to /dev/zero, outside the repository root", true},
		{"zero.yaml", "", "a character device, not a regular file", true},
		{"dangling.yaml", root, "a symbolic link to nothing, which does not exist", true},
		{"dir.yaml", root, "a directory, not a regular file", true},
		{"fifo.yaml", root, "a named pipe (FIFO), not a regular file", true},
		{"sparse.yaml", root, "it is 2147483648 bytes; kiln reads files of at most 16777216 bytes (16 MiB)", true},
	} {
		if tc.name == "fifo.yaml" && !fifos {
			continue
		}
		start := time.Now()
		b, err := Read(tc.root, filepath.Join(root, tc.name), MaxBytes)
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %s", tc.name, time.Since(start))
		}
		if !tc.refused {
			if err != nil || string(b) != tc.want {
				t.Errorf("%s: %q, %v", tc.name, b, err)
			}
			continue
		}
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s (root %q): error %v, want a refusal with %q", tc.name, tc.root, err, tc.want)
		}
	}
	if _, err := Read(root, filepath.Join(root, "missing.yaml"), MaxBytes); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrRefused) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Read(root, filepath.Join(root, "ok.yaml"), 4); err == nil || !strings.Contains(err.Error(), "it is 5 bytes; kiln reads files of at most 4 bytes") {
		t.Errorf("over a small bound: %v", err)
	}
}

// A tree read through FS keeps its files inside the root, whatever links
// it holds.
func TestFS(t *testing.T) {
	outside := t.TempDir()
	secret := write(t, filepath.Join(outside, "secret.rego"), "package x\n")
	root := t.TempDir()
	write(t, filepath.Join(root, "policy", "a.rego"), "package a\n")
	os.Symlink(secret, filepath.Join(root, "policy", "b.rego"))
	fsys := FS{Root: root, Dir: filepath.Join(root, "policy")}
	if b, err := fs.ReadFile(fsys, "a.rego"); err != nil || string(b) != "package a\n" {
		t.Errorf("a.rego: %q, %v", b, err)
	}
	if _, err := fs.ReadFile(fsys, "b.rego"); !errors.Is(err, ErrRefused) {
		t.Errorf("b.rego, a link out of the root: %v", err)
	}
	names, err := fs.Glob(fsys, "*.rego")
	if err != nil || len(names) != 2 {
		t.Errorf("glob: %v, %v", names, err)
	}
}

// Relative roots and names, as the command line gives them, are confined
// as absolute ones are.
func TestRelativePaths(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret"), "password\n")
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	write(t, filepath.Join(root, "apps", "a", "kiln.yaml"), "a: 1\n")
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "apps", "abs-out.yaml"))
	os.Symlink("../../sibling.yaml", filepath.Join(root, "apps", "rel-out.yaml"))
	write(t, filepath.Join(base, "sibling.yaml"), "b: 2\n")
	t.Chdir(filepath.Join(root, "apps"))
	for _, tc := range []struct {
		root, name string
		ok         bool
	}{
		{"..", "a/kiln.yaml", true},
		{"..", "abs-out.yaml", false},
		{"..", "rel-out.yaml", false},
		{"../..", "rel-out.yaml", true},
		{".", "../apps/a/kiln.yaml", true},
		{"a", "a/kiln.yaml", true},
		{"a", "abs-out.yaml", false},
		{root, "a/kiln.yaml", true},
		{root, "rel-out.yaml", false},
	} {
		_, err := Read(tc.root, tc.name, MaxBytes)
		if (err == nil) != tc.ok {
			t.Errorf("Read(%q, %q): %v, want ok=%v", tc.root, tc.name, err, tc.ok)
		}
	}
}
