//go:build unix

package repofile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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

// readFD reads on after a short read that ends before the stated size,
// as a file system that returns less than it holds gives it: a pipe that
// holds the first 100 bytes when it is read, and the rest later, stands
// in for one.
func TestReadFDReadsPastAShortRead(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	content := bytes.Repeat([]byte("0123456789"), 1000)
	syscall.Write(p[1], content[:100])
	type read struct {
		b   []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		b, err := readFD(p[0], int64(len(content)), 1<<20)
		done <- read{b, err}
	}()
	time.Sleep(20 * time.Millisecond) // readFD has read the first 100 bytes
	syscall.Write(p[1], content[100:])
	syscall.Close(p[1])
	if got := <-done; got.err != nil || !bytes.Equal(got.b, content) {
		t.Errorf("%d bytes (%v), want %d", len(got.b), got.err, len(content))
	}
}

// ReadUpTo reads a file to its end or its limit, by the short way or the
// long one (a link inside the root), and refuses what Read refuses.
func TestReadUpTo(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "big.yaml"), "0123456789")
	os.Symlink("big.yaml", filepath.Join(root, "link.yaml"))
	os.Mkdir(filepath.Join(root, "dir.yaml"), 0o755)
	mkfifo(t, filepath.Join(root, "fifo.yaml"))
	for _, name := range []string{"big.yaml", "link.yaml"} {
		for limit, want := range map[int64]string{4: "0123", 10: "0123456789", 11: "0123456789", 1 << 20: "0123456789"} {
			if got, err := ReadUpTo(root, filepath.Join(root, name), limit); err != nil || string(got) != want {
				t.Errorf("%s up to %d: %q, %v; want %q", name, limit, got, err, want)
			}
		}
	}
	for _, name := range []string{"dir.yaml", "fifo.yaml"} {
		if _, err := ReadUpTo(root, filepath.Join(root, name), 100); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
}
