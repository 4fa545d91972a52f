//go:build !unix

package repofile

import (
	"os"
	"testing"
)

// fifos is false: no named pipes here; the case is skipped.
const fifos = false

func mkfifo(t *testing.T, name string) { os.WriteFile(name, []byte("fifo"), 0o644) }
