package emit

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteTree replaces dir with exactly files (slash-separated paths relative
// to dir). It writes the new tree beside dir and swaps it in with renames,
// so that dir is either the old tree or the new one, never a mix, and files
// of an older build that this one no longer makes do not linger.
func WriteTree(dir string, files map[string][]byte) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	removeLeftovers(parent, filepath.Base(dir))
	// The writer's process id is in the name, so that a later build can
	// tell the tree of a build that was killed from one being written.
	tmp, err := os.MkdirTemp(parent, fmt.Sprintf(".%s.new-%d-", filepath.Base(dir), os.Getpid()))
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeFile(p, files[name]); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replacing %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir) // put the previous build back
		}
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// removeLeftovers removes what an interrupted WriteTree of base left in
// parent: .<base>.new-<pid>-<n> (and its .old) of a process that no
// longer runs. In a repository that commits its rendered output, such a
// directory would be junk in the next commit. A tree of a live process is
// being written and is left alone; one of an older kiln, without a
// process id in its name, once it is an hour old.
func removeLeftovers(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := "." + base + ".new-"
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pid, _, withPid := strings.Cut(strings.TrimSuffix(rest, ".old"), "-")
		if withPid {
			n, err := strconv.Atoi(pid)
			if err != nil || n <= 0 || alive(n) {
				continue
			}
		} else if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < time.Hour {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// writeFile writes and syncs one file, so a crash cannot leave it empty
// once the tree is renamed into place.
func writeFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
