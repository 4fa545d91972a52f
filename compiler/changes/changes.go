// Package changes lists the files of a git repository that differ
// between a ref and the working tree, for kiln check --base, and writes
// a commit's tree to a directory, for kiln diff (tree.go).
//
// It runs the git command rather than a Go implementation of git: a CI
// runner that checked the repository out has git, and only git itself
// reads every repository it can make (worktrees, sparse and partial
// clones, split indexes, packfiles of any version, filters), where a
// library that misses one answers wrongly instead of failing.
//
// The comparison is with the merge base of the ref and HEAD (what git
// diff REF...HEAD compares), so that what the base branch gained since
// the branch left it is not counted as this change, or with the ref
// itself where there is none (a shallow clone); staged, unstaged and
// untracked (not ignored) files are all changes.
package changes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// A Set is what changed since a ref.
type Set struct {
	Root string // the repository's top directory, absolute
	Ref  string // the ref as given
	Base string // the commit compared with: the merge base of Ref and HEAD
	// Direct says Base is Ref's own commit: there was no merge base.
	Direct bool
	// Changed are the files added, modified or untracked, and Deleted the
	// files removed (renames are both), each absolute, sorted.
	Changed, Deleted []string
	// Files are every file of the working tree git knows: tracked (and
	// not deleted) or untracked and not ignored; absolute, sorted.
	Files []string
}

// Since lists what changed between ref and the working tree of the
// repository holding path (a file or a directory). A ref that names no commit, a directory in no
// repository or a missing git command is an error that says so.
func Since(ctx context.Context, path, ref string) (*Set, error) {
	rev, err := Resolve(ctx, path, ref)
	if err != nil {
		return nil, err
	}
	s := &Set{Root: rev.Root, Ref: ref}
	// A shallow clone (what CI checks out by default) holds no common
	// ancestor. The ref's own tree is then the base: what the ref gained
	// since the branch left it counts as changed too, which checks more,
	// never less — and for a pull request's merge commit, whose first
	// parent is the ref, it is exact.
	base, direct := rev.MergeBase(ctx, "HEAD")
	s.Base, s.Direct = base.Commit, direct
	if err := s.diff(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// diff fills Changed and Deleted: the tracked files that differ from
// Base (staged or not) and the untracked ones .gitignore does not hide.
func (s *Set) diff(ctx context.Context) error {
	// Three questions to git, asked at once: each walks or stats the
	// tree, which in a repository of thousands of apps is most of the
	// time --base adds.
	args := [][]string{
		{"diff", "--name-status", "--no-renames", "-z", s.Base, "--"},
		{"ls-files", "--others", "--exclude-standard", "--full-name", "-z"},
		{"ls-files", "--cached", "--full-name", "-z"},
	}
	outs := make([][]byte, len(args))
	errs := make([]error, len(args))
	var wg sync.WaitGroup
	for i, a := range args {
		wg.Go(func() { outs[i], errs[i] = git(ctx, s.Root, a...) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fields := bytes.Split(bytes.TrimSuffix(outs[0], []byte{0}), []byte{0})
	for i := 0; i+1 < len(fields); i += 2 {
		name := filepath.Join(s.Root, filepath.FromSlash(string(fields[i+1])))
		if string(fields[i]) == "D" {
			s.Deleted = append(s.Deleted, name)
		} else {
			s.Changed = append(s.Changed, name)
		}
	}
	untracked := s.names(outs[1])
	s.Changed = append(s.Changed, untracked...)
	s.Files = append(s.names(outs[2]), untracked...)
	sortUnique(&s.Changed)
	sortUnique(&s.Deleted)
	sortUnique(&s.Files)
	s.Files = slices.DeleteFunc(s.Files, func(f string) bool { _, gone := slices.BinarySearch(s.Deleted, f); return gone })
	return nil
}

// names reads git's NUL-separated names, relative to Root, as absolute.
func (s *Set) names(out []byte) []string {
	var names []string
	for _, f := range bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0}) {
		if len(f) > 0 {
			names = append(names, filepath.Join(s.Root, filepath.FromSlash(string(f))))
		}
	}
	return names
}

// Old returns the content name (a file of Changed) had at Base; an error
// when it had none there (it is new) or git cannot tell.
func (s *Set) Old(ctx context.Context, name string) ([]byte, error) {
	rel, err := filepath.Rel(s.Root, name)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("%s is outside the repository at %s", name, s.Root)
	}
	return git(ctx, s.Root, "show", s.Base+":"+filepath.ToSlash(rel))
}

// Grep returns the tracked files named one of names (base names, such
// as kiln.yaml) whose content in the working tree holds one of needles,
// as fixed strings, absolute: git grep reads thousands of files faster
// than kiln can open them one by one.
func (s *Set) Grep(ctx context.Context, needles, names []string) ([]string, error) {
	if len(needles) == 0 || len(names) == 0 {
		return nil, nil
	}
	args := []string{"grep", "-l", "-z", "-F", "--no-color"}
	for _, n := range needles {
		args = append(args, "-e", n)
	}
	args = append(args, "--")
	for _, n := range names {
		args = append(args, ":(glob)**/"+n)
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", s.Root}, args...)...)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0 {
		return nil, nil // git grep's answer for no match
	}
	if err != nil {
		return nil, fmt.Errorf("git grep: %v", err)
	}
	return s.names(out), nil
}

// Head returns the commit checked out in the repository holding path (a
// file or a directory), or "" outside one (or without git).
func Head(ctx context.Context, path string) string {
	out, err := git(ctx, dirOf(path), "rev-parse", "--verify", "--quiet", "HEAD")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// dirOf is the directory path names, or the one holding the file it
// names: git runs in a directory.
func dirOf(path string) string {
	if info, err := os.Stat(path); err == nil && !info.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// spelledAs returns top as the caller spells it: git resolves symbolic
// links in the top directory's name, and a file named under the resolved
// name would never match the same file named under the caller's (a
// checkout reached through a link, macOS's /var). It is the directory at
// or above dir that resolves to top; top itself when none does.
func spelledAs(dir, top string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return top
	}
	real, err := filepath.EvalSymlinks(top)
	if err != nil {
		return top
	}
	for {
		if r, err := filepath.EvalSymlinks(d); err == nil && r == real {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return top
		}
		d = parent
	}
}

// git runs git in dir and returns its standard output; its error is
// git's own message.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return gitEnv(ctx, dir, nil, args...)
}

// gitEnv is git with more environment variables (GIT_INDEX_FILE).
func gitEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, errors.New("the git command is not installed; --base reads the repository through it")
	}
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return out, nil
}

// sortUnique sorts s and drops repeated names (a file both staged and
// untracked is listed by both commands).
func sortUnique(s *[]string) {
	slices.Sort(*s)
	*s = slices.Compact(*s)
}
