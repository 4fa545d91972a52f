//go:build unix

package repofile

import (
	"syscall"
	"testing"
)

const fifos = true

func mkfifo(t *testing.T, name string) {
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		t.Fatal(err)
	}
}
