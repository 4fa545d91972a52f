package changes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A Revision is a commit of a repository whose tree kiln builds beside
// another (kiln diff --base).
type Revision struct {
	Root   string // the repository's top directory, absolute
	Ref    string // the ref as given
	Commit string // the commit it resolved to
}

// Resolve names the commit ref is in the repository holding path (a file
// or a directory). A ref that names no commit, a directory in no
// repository or a missing git command is an error that says so, as
// Since's are.
func Resolve(ctx context.Context, path, ref string) (*Revision, error) {
	dir := dirOf(path)
	if strings.HasPrefix(ref, "-") || ref == "" {
		return nil, fmt.Errorf("%q is not a git ref", ref)
	}
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is in no git repository (%v)", dir, err)
	}
	root := spelledAs(dir, filepath.Clean(strings.TrimSpace(string(top))))
	commit, err := git(ctx, root, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("%s names no commit of the repository at %s (fetch it first, e.g. git fetch origin main; a shallow clone needs the base's history)", ref, root)
	}
	return &Revision{Root: root, Ref: ref, Commit: strings.TrimSpace(string(commit))}, nil
}

// MergeBase returns the revision where head's history left r's: what a
// pull request from head into r changes is what head holds beyond it
// (git diff r...head). With no common ancestor (a shallow clone, which
// holds none) it is r itself, and direct says so. head "" is HEAD.
func (r *Revision) MergeBase(ctx context.Context, head string) (base *Revision, direct bool) {
	if head == "" {
		head = "HEAD"
	}
	out, err := git(ctx, r.Root, "merge-base", r.Commit, head)
	if err != nil {
		return r, true
	}
	return &Revision{Root: r.Root, Ref: r.Ref, Commit: strings.TrimSpace(string(out))}, false
}

// Checkout writes the tree of r's commit into dir, which must not exist
// yet: git read-tree into an index file of its own, then git
// checkout-index, so that the repository's index, HEAD, worktrees and
// refs are never touched (two runs at once do not meet), while git
// applies the repository's attributes and filters as a checkout would.
// Submodules are left empty, as git archive leaves them.
func (r *Revision) Checkout(ctx context.Context, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	index := filepath.Join(dir, ".kiln-index")
	env := []string{"GIT_INDEX_FILE=" + index}
	if _, err := gitEnv(ctx, r.Root, env, "read-tree", r.Commit); err != nil {
		return fmt.Errorf("reading the tree of %s: %v", r.Ref, err)
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	if _, err := gitEnv(ctx, r.Root, env, "checkout-index", "--all", "--prefix="+prefix); err != nil {
		return fmt.Errorf("writing the tree of %s: %v", r.Ref, err)
	}
	return os.Remove(index)
}
