package changes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// repo makes a git repository in a temporary directory and returns a
// function that runs git in it.
func repo(t *testing.T) (dir string, run func(args ...string)) {
	t.Helper()
	toolcheck.Command(t, "git", "Debian: apt-get install git", "the --base changes")
	dir = t.TempDir()
	run = func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=k", "GIT_AUTHOR_EMAIL=k@example.com", "GIT_COMMITTER_NAME=k",
			"GIT_COMMITTER_EMAIL=k@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func rel(dir string, names []string) []string {
	var out []string
	for _, n := range names {
		r, _ := filepath.Rel(dir, n)
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

// TestSinceComparesWithTheMergeBase: what the base branch gained after
// the branch left it is no change of the branch; committed, staged,
// unstaged and untracked changes are, ignored files are not, and a
// deletion is a deletion.
func TestSinceComparesWithTheMergeBase(t *testing.T) {
	dir, git := repo(t)
	for _, f := range []string{"a/kiln.yaml", "b/kiln.yaml", "c/kiln.yaml", "d/kiln.yaml", "gone.txt"} {
		write(t, dir, f, f+"\n")
	}
	write(t, dir, ".gitignore", "*.log\n")
	git("add", "-A")
	git("commit", "-qm", "base")
	git("checkout", "-qb", "topic")
	write(t, dir, "a/kiln.yaml", "a v2\n") // committed on the branch
	git("commit", "-qam", "a")
	git("checkout", "-q", "main")
	write(t, dir, "d/kiln.yaml", "d moved on\n") // main's own change, after the branch left
	git("commit", "-qam", "d")
	git("checkout", "-q", "topic")
	write(t, dir, "b/kiln.yaml", "b v2\n") // staged
	git("add", "b/kiln.yaml")
	write(t, dir, "c/kiln.yaml", "c v2\n") // unstaged
	write(t, dir, "new/kiln.yaml", "new\n")
	write(t, dir, "debug.log", "ignored\n")
	git("rm", "-q", "gone.txt")

	s, err := Since(context.Background(), filepath.Join(dir, "a"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rel(dir, s.Changed), []string{"a/kiln.yaml", "b/kiln.yaml", "c/kiln.yaml", "new/kiln.yaml"}; !slices.Equal(got, want) {
		t.Errorf("changed = %v, want %v", got, want)
	}
	if got, want := rel(dir, s.Deleted), []string{"gone.txt"}; !slices.Equal(got, want) {
		t.Errorf("deleted = %v, want %v", got, want)
	}
}

func TestSinceRefusesWhatIsNoCommit(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, "x", "x")
	git("add", "-A")
	git("commit", "-qm", "x")
	for _, ref := range []string{"nope", "--output=/tmp/x", ""} {
		if _, err := Since(context.Background(), dir, ref); err == nil {
			t.Errorf("Since(%q) = nil error", ref)
		}
	}
	// Unrelated history (as a shallow clone looks): no merge base, and
	// the ref's own tree is the base.
	git("checkout", "-q", "--orphan", "other")
	write(t, dir, "y", "y")
	git("add", "-A")
	git("commit", "-qm", "orphan")
	s, err := Since(context.Background(), dir, "main")
	if err != nil || !s.Direct {
		t.Fatalf("unrelated history: %+v, %v; want a direct comparison", s, err)
	}
	if got, want := rel(dir, s.Changed), []string{"y"}; !slices.Equal(got, want) {
		t.Errorf("changed = %v, want %v", got, want)
	}
	if _, err := Since(context.Background(), t.TempDir(), "main"); err == nil || !strings.Contains(err.Error(), "no git repository") {
		t.Errorf("outside a repository: err = %v", err)
	}
}

// TestSinceSpellsTheRootAsTheCallerDoes: reached through a symbolic
// link, the changed files are named under the link, as every other name
// of the caller's is.
func TestSinceSpellsTheRootAsTheCallerDoes(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, "a/kiln.yaml", "a\n")
	git("add", "-A")
	git("commit", "-qm", "a")
	write(t, dir, "a/kiln.yaml", "a v2\n")
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	s, err := Since(context.Background(), filepath.Join(link, "a"), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(link, "a", "kiln.yaml")}; s.Root != link || !slices.Equal(s.Changed, want) {
		t.Errorf("root %s, changed %v; want %s, %v", s.Root, s.Changed, link, want)
	}
}

// TestGrep finds, among the tracked files of the names given, those
// holding a needle as the working tree has them; none is no error.
func TestGrep(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, "a/kiln.yaml", "dependsOn: [{app: pay}]\n")
	write(t, dir, "b/kiln.yaml", "name: b\n")
	write(t, dir, "c/other.yaml", "app: pay\n")
	git("add", "-A")
	git("commit", "-qm", "x")
	write(t, dir, "b/kiln.yaml", "app: pay\n") // modified, not committed
	s, err := Since(context.Background(), dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Grep(context.Background(), []string{"pay"}, []string{"kiln.yaml"})
	if want := []string{"a/kiln.yaml", "b/kiln.yaml"}; err != nil || !slices.Equal(rel(dir, got), want) {
		t.Errorf("Grep = %v, %v; want %v", rel(dir, got), err, want)
	}
	if got, err := s.Grep(context.Background(), []string{"nowhere"}, []string{"kiln.yaml"}); err != nil || got != nil {
		t.Errorf("Grep of nothing = %v, %v", got, err)
	}
}
