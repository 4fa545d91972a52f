package changes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckoutWritesTheMergeBaseTree: the tree written is the commit's,
// staged and untracked changes are not in it, and the repository's index
// and status are as they were.
func TestCheckoutWritesTheMergeBaseTree(t *testing.T) {
	dir, run := repo(t)
	write(t, dir, "a/kiln.yaml", "v1\n")
	write(t, dir, "b.txt", "b\n")
	run("add", "-A")
	run("commit", "-q", "-m", "base")
	run("checkout", "-q", "-b", "change")
	write(t, dir, "a/kiln.yaml", "v2\n")
	write(t, dir, "c.txt", "new\n")
	run("add", "a/kiln.yaml")
	run("checkout", "-q", "main")
	write(t, dir, "b.txt", "b on main\n")
	run("commit", "-q", "-am", "main moves on")
	run("checkout", "-q", "change")
	status := gitStatus(t, dir)

	ctx := context.Background()
	rev, err := Resolve(ctx, dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	base, direct := rev.MergeBase(ctx, "")
	if direct || base.Commit == rev.Commit {
		t.Fatalf("merge base is main itself (direct %v)", direct)
	}
	out := filepath.Join(t.TempDir(), "tree")
	if err := base.Checkout(ctx, out); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a/kiln.yaml": "v1\n", "b.txt": "b\n"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Errorf("tree holds %d entries, want a/ and b.txt: %v", len(entries), entries)
	}
	if after := gitStatus(t, dir); after != status {
		t.Errorf("status changed:\n%s\nwas\n%s", after, status)
	}
	if _, err := Resolve(ctx, dir, "mian"); err == nil || !strings.Contains(err.Error(), "mian names no commit") {
		t.Errorf("a bad ref: %v", err)
	}
}

func gitStatus(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "status", "--porcelain=v1").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
