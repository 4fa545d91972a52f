//go:build unix

package repofile

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// readFD reads a file whole, up to its limit, whether the size it is
// told is the file's or not (the file grew or shrank since its stat).
func TestReadFD(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 100, 4096, 70000} {
		content := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		name := filepath.Join(dir, "f")
		if err := os.WriteFile(name, content, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, stated := range []int{size, 0, size / 2, size + 1, 2*size + 10} {
			for _, limit := range []int{size + 1, size, size / 2, 1 << 20} {
				if limit == 0 {
					continue
				}
				fd, err := syscall.Open(name, syscall.O_RDONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				got, err := readFD(fd, int64(stated), int64(limit))
				syscall.Close(fd)
				if want := content[:min(size, limit)]; err != nil || !bytes.Equal(got, want) {
					t.Errorf("size %d, stated %d, limit %d: %d bytes (%v), want %d", size, stated, limit, len(got), err, len(want))
				}
			}
		}
	}
}

// ReadUpTo reads a file to its end or its limit, by the short way or the
// long one (a link inside the root), and refuses what Read refuses.
func TestReadUpTo(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "big.yaml"), "0123456789")
	os.Symlink("big.yaml", filepath.Join(root, "link.yaml"))
	os.Mkdir(filepath.Join(root, "dir.yaml"), 0o755)
	for _, name := range []string{"big.yaml", "link.yaml"} {
		for limit, want := range map[int64]string{4: "0123", 10: "0123456789", 11: "0123456789", 1 << 20: "0123456789"} {
			if got, err := ReadUpTo(root, filepath.Join(root, name), limit); err != nil || string(got) != want {
				t.Errorf("%s up to %d: %q, %v; want %q", name, limit, got, err, want)
			}
		}
	}
	if _, err := ReadUpTo(root, filepath.Join(root, "dir.yaml"), 100); err == nil {
		t.Error("a directory read as a file")
	}
}
