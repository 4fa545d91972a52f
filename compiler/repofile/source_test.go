package repofile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// walked lists what src.WalkDir visits under root, relative to it, with
// "/" after directories.
func walked(t *testing.T, src Source, root string) []string {
	t.Helper()
	var out []string
	err := src.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiskReadsAsRead(t *testing.T) {
	outside := t.TempDir()
	secret := write(t, filepath.Join(outside, "secret"), "password\n")
	root := t.TempDir()
	write(t, filepath.Join(root, "a.yaml"), "a: 1\n")
	os.Symlink(secret, filepath.Join(root, "out.yaml"))
	src := Disk(root)
	if b, err := src.ReadFile(filepath.Join(root, "a.yaml")); err != nil || string(b) != "a: 1\n" {
		t.Errorf("ReadFile(a.yaml) = %q, %v", b, err)
	}
	if _, err := src.ReadFile(filepath.Join(root, "out.yaml")); !errors.Is(err, ErrRefused) {
		t.Errorf("ReadFile(link outside) = %v, want a refusal", err)
	}
	// Stat is the system's: it tells the link is there, what it reads is
	// ReadFile's to refuse.
	if _, err := src.Stat(filepath.Join(root, "out.yaml")); err != nil {
		t.Errorf("Stat(link outside) = %v", err)
	}
	if got, want := walked(t, src, root), []string{"./", "a.yaml", "out.yaml"}; !slices.Equal(got, want) {
		t.Errorf("WalkDir = %v, want %v", got, want)
	}
}

// A walk notes the directories it enters as resolved; a link to a
// directory outside the root, which it passes without entering, stays
// unresolved, and a file read through it is still refused.
func TestDiskWalkKeepsLinkedDirectoriesOut(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.yaml"), "password: x\n")
	root := t.TempDir()
	write(t, filepath.Join(root, "apps", "a", "kiln.yaml"), "a: 1\n")
	os.Symlink(outside, filepath.Join(root, "apps", "linked"))
	src := Disk(root)
	if got, want := walked(t, src, root), []string{"./", "apps/", "apps/a/", "apps/a/kiln.yaml", "apps/linked"}; !slices.Equal(got, want) {
		t.Errorf("WalkDir = %v, want %v", got, want)
	}
	if b, err := src.ReadFile(filepath.Join(root, "apps", "a", "kiln.yaml")); err != nil || string(b) != "a: 1\n" {
		t.Errorf("ReadFile(apps/a/kiln.yaml) after the walk = %q, %v", b, err)
	}
	if _, err := src.ReadFile(filepath.Join(root, "apps", "linked", "secret.yaml")); !errors.Is(err, ErrRefused) {
		t.Errorf("ReadFile through a linked directory after the walk = %v, want a refusal", err)
	}
}

func TestOverlay(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "app/kiln.yaml"), "on disk\n")
	write(t, filepath.Join(root, "app/z.yaml"), "z\n")
	write(t, filepath.Join(root, "app/sub/x.yaml"), "x\n")
	src := Overlay(Disk(root), map[string][]byte{
		filepath.Join(root, "app/kiln.yaml"):       []byte("in the editor\n"),
		filepath.Join(root, "app/kiln_test.yaml"):  []byte("tests: []\n"), // not on disk
		filepath.Join(root, "app/sub/new.jsonnet"): []byte("{}"),          // not on disk
	})
	t.Chdir(root)

	// A buffer hides the disk's content, by any spelling of its name.
	for _, name := range []string{filepath.Join(root, "app/kiln.yaml"), "app/kiln.yaml", "./app/../app/kiln.yaml"} {
		if b, err := src.ReadFile(name); err != nil || string(b) != "in the editor\n" {
			t.Errorf("ReadFile(%s) = %q, %v; want the buffer", name, b, err)
		}
	}
	if info, err := src.Stat("app/kiln.yaml"); err != nil || info.Size() != int64(len("in the editor\n")) || !info.Mode().IsRegular() {
		t.Errorf("Stat(buffered) = %v, %v; want the buffer's size", info, err)
	}
	// A buffer not on disk reads, stats and is walked in its directory,
	// in order.
	if b, err := src.ReadFile("app/kiln_test.yaml"); err != nil || string(b) != "tests: []\n" {
		t.Errorf("ReadFile(buffer only) = %q, %v", b, err)
	}
	if info, err := src.Stat("app/kiln_test.yaml"); err != nil || info.IsDir() || info.Name() != "kiln_test.yaml" {
		t.Errorf("Stat(buffer only) = %v, %v", info, err)
	}
	want := []string{"./", "kiln.yaml", "kiln_test.yaml", "sub/", "sub/new.jsonnet", "sub/x.yaml", "z.yaml"}
	if got := walked(t, src, "app"); !slices.Equal(got, want) {
		t.Errorf("WalkDir = %v, want %v", got, want)
	}
	// The walk reports the buffer's size, not the disk's.
	src.WalkDir("app", func(path string, d fs.DirEntry, err error) error {
		if d.Name() == "kiln.yaml" {
			if info, _ := d.Info(); info.Size() != int64(len("in the editor\n")) {
				t.Errorf("walked buffer has size %d", info.Size())
			}
		}
		return nil
	})
	// SkipDir and SkipAll behave as in filepath.WalkDir.
	var got []string
	src.WalkDir("app", func(path string, d fs.DirEntry, err error) error {
		got = append(got, filepath.ToSlash(path))
		if d.Name() == "sub" {
			return fs.SkipDir
		}
		if d.Name() == "z.yaml" {
			return fs.SkipAll
		}
		return nil
	})
	if want := []string{"app", "app/kiln.yaml", "app/kiln_test.yaml", "app/sub", "app/z.yaml"}; !slices.Equal(got, want) {
		t.Errorf("walk with SkipDir = %v, want %v", got, want)
	}
	// Files without buffers are the base's.
	if b, err := src.ReadFile("app/z.yaml"); err != nil || string(b) != "z\n" {
		t.Errorf("ReadFile(unbuffered) = %q, %v", b, err)
	}
	if _, err := src.ReadFile("app/none.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v", err)
	}
}

// ReadDir of a Source without its own is a walk that enters no
// subdirectory.
func TestReadDirOfAnySource(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "b"), "")
	write(t, filepath.Join(root, "a/deep"), "")
	entries, err := ReadDir(walkOnly{Disk("")}, root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"a", "b"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir = %v, want %v", names, want)
	}
}

// walkOnly hides every method of a Source but the interface's.
type walkOnly struct{ Source }

func TestPinnedReadsOnce(t *testing.T) {
	root := t.TempDir()
	name := write(t, filepath.Join(root, "lib.libsonnet"), "first")
	p := Pin(Disk(root))
	if b, _ := p.ReadFile(name); string(b) != "first" {
		t.Fatalf("first read = %q", b)
	}
	// The file changes, or goes, mid-evaluation: the evaluation still
	// sees what it first read, by any spelling.
	write(t, name, "second")
	t.Chdir(root)
	for _, n := range []string{name, "lib.libsonnet", "./x/../lib.libsonnet"} {
		if b, err := p.ReadFile(n); err != nil || string(b) != "first" {
			t.Errorf("ReadFile(%s) after a change = %q, %v; want the first read", n, b, err)
		}
	}
	os.Remove(name)
	if b, err := p.ReadFile(name); err != nil || string(b) != "first" {
		t.Errorf("ReadFile after removal = %q, %v", b, err)
	}
	// A missing file stays missing though it appears.
	if _, err := p.ReadFile("later.libsonnet"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadFile(missing) = %v", err)
	}
	write(t, filepath.Join(root, "later.libsonnet"), "now")
	if _, err := p.ReadFile("later.libsonnet"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing, then created) = %v; want missing still", err)
	}
	// Recorded once, by the name first read.
	if got := p.Reads(); len(got) != 2 || got[name] != Sum([]byte("first"), nil) || got["later.libsonnet"] != "missing" {
		t.Errorf("Reads = %v", got)
	}
}

func TestPinnedRecordsReads(t *testing.T) {
	root := t.TempDir()
	ok := write(t, filepath.Join(root, "ok.json"), "{}")
	big := filepath.Join(root, "big.json")
	f, _ := os.Create(big)
	f.Truncate(MaxBytes + 1)
	f.Close()
	os.Symlink(write(t, filepath.Join(t.TempDir(), "secret"), "x"), filepath.Join(root, "out.json"))
	p := Pin(Disk(root))
	for _, n := range []string{"ok.json", "big.json", "out.json", "missing.json"} {
		p.ReadFile(filepath.Join(root, n))
	}
	got := p.Reads()
	want := map[string]string{
		ok:                                  "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", // sha256("{}")
		filepath.Join(root, "missing.json"): "missing",
	}
	for n, sum := range want {
		if got[n] != sum {
			t.Errorf("Reads[%s] = %q, want %q", n, got[n], sum)
		}
	}
	for _, n := range []string{"big.json", "out.json"} {
		if s := got[filepath.Join(root, n)]; !strings.HasPrefix(s, "unreadable: ") {
			t.Errorf("Reads[%s] = %q, want unreadable and why", n, s)
		}
	}
	if !strings.Contains(got[big], fmt.Sprint(MaxBytes)) || !strings.Contains(got[filepath.Join(root, "out.json")], "outside the repository") {
		t.Errorf("the reasons are not told apart: %v", got)
	}

	// The record holds until a file it read reads otherwise.
	if !Holds(Disk(root), got) {
		t.Error("Holds = false on an unchanged tree")
	}
	write(t, filepath.Join(root, "missing.json"), "[]")
	if Holds(Disk(root), got) {
		t.Error("Holds = true after a missing file appeared")
	}
	os.Remove(filepath.Join(root, "missing.json"))
	write(t, ok, "{ }")
	if Holds(Disk(root), got) {
		t.Error("Holds = true after a read file changed")
	}
	// Through a buffer, the record holds against what the editor holds.
	if !Holds(Overlay(Disk(root), map[string][]byte{ok: []byte("{}")}), got) {
		t.Error("Holds = false against a buffer that reads as recorded")
	}
}

// Pinned is safe for concurrent use, and every reader of one name gets
// the one read.
func TestPinnedConcurrent(t *testing.T) {
	root := t.TempDir()
	name := write(t, filepath.Join(root, "a"), "a")
	src := &counting{Source: Disk(root)}
	p := Pin(src)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.ReadFile(name)
			p.ReadFile(filepath.Join(root, fmt.Sprint("other", i%4)))
			p.Reads()
		}()
	}
	wg.Wait()
	if n := src.reads.Load(); n != 5 {
		t.Errorf("the source was read %d times, want 5 (one per name)", n)
	}
	if len(p.Reads()) != 5 {
		t.Errorf("Reads = %v", p.Reads())
	}
}

type counting struct {
	Source
	reads atomic.Int64
}

func (c *counting) ReadFile(name string) ([]byte, error) {
	c.reads.Add(1)
	return c.Source.ReadFile(name)
}
