//go:build unix

package emit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A build killed while writing leaves .<app>.new-<pid>-<n>; the next
// WriteTree of that app removes it, but not the tree of a build still
// running, nor another app's.
func TestWriteTreeRemovesLeftovers(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("SKIPPED TestWriteTreeRemovesLeftovers: cannot start a process to find a dead pid:", err)
	}
	dead := cmd.Process.Pid
	out := t.TempDir()
	mk := func(name string, age time.Duration) {
		p := filepath.Join(out, name)
		os.MkdirAll(filepath.Join(p, "staging"), 0o755)
		os.WriteFile(filepath.Join(p, "staging", "deployment.yaml"), []byte("kind: Deployment\n"), 0o644)
		at := time.Now().Add(-age)
		os.Chtimes(p, at, at)
	}
	gone := []string{fmt.Sprintf(".web.new-%d-123", dead), fmt.Sprintf(".web.new-%d-456.old", dead), ".web.new-789"}
	kept := []string{fmt.Sprintf(".web.new-%d-1", os.Getpid()), ".web.new-790", fmt.Sprintf(".api.new-%d-1", dead)}
	for _, n := range gone {
		mk(n, 2*time.Hour)
	}
	mk(kept[0], 2*time.Hour)
	mk(kept[1], time.Minute) // an older kiln's, perhaps still writing
	mk(kept[2], 2*time.Hour)
	if err := WriteTree(filepath.Join(out, "web"), map[string][]byte{"a.yaml": []byte("a: 1\n")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range gone {
		if _, err := os.Stat(filepath.Join(out, n)); err == nil {
			t.Errorf("%s was left", n)
		}
	}
	for _, n := range kept {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "web", "a.yaml")); err != nil || string(b) != "a: 1\n" {
		t.Errorf("the tree: %q, %v", b, err)
	}
}
