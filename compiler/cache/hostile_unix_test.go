//go:build unix

package cache

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// An entry or output replaced by a link to /dev/zero, a named pipe or a
// directory is a miss, at once: not a read without end, not a hang.
func TestHostileEntriesAreMisses(t *testing.T) {
	c, _ := Open(t.TempDir())
	big := bytes.Repeat([]byte("x"), inlineMax+1)
	c.Write(id("small"), []byte("small"))
	c.Write(id("big"), big)
	small, data := c.entryName(id("small")), c.dataName(OutputID(sha256.Sum256(big)))
	for name, replace := range map[string]func(p string) error{
		"link to /dev/zero": func(p string) error { return os.Symlink("/dev/zero", p) },
		"named pipe":        func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"directory":         func(p string) error { return os.Mkdir(p, 0o755) },
	} {
		for _, p := range []string{small, data} {
			os.RemoveAll(p)
			if err := replace(p); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for _, k := range []string{"small", "big"} {
				if got, err := c.Read(id(k)); !errors.Is(err, ErrMiss) {
					if (p == small) == (k == "small") {
						t.Errorf("%s as %s: got %d bytes, %v; want a miss", name, k, len(got), err)
					}
				}
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("%s: took %s", name, took)
			}
			// A later Put replaces it.
			os.RemoveAll(p)
			c.Write(id("small"), []byte("small"))
			c.Write(id("big"), big)
		}
	}
}
