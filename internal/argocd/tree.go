package argocd

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// copyRepo copies the repository at src into dst as the repo server's
// tarball reaches the sidecar (util/io/files/tar.go): regular files,
// directories and symbolic links, those matching an exclusion (on the
// path relative to src) left out, a matching directory with all it holds.
// Unpacked, files are 0644 and directories 0755 unless preserveMode.
func copyRepo(src, dst string, exclude []string, preserveMode bool) error {
	return filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		for _, pat := range exclude {
			if ok, err := filepath.Match(pat, rel); err != nil {
				return err
			} else if ok {
				if fi.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		target := filepath.Join(dst, rel)
		switch mode := fi.Mode(); {
		case mode.IsDir():
			perm := fs.FileMode(0o755)
			if preserveMode {
				perm = mode.Perm()
			}
			return os.MkdirAll(target, perm)
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case mode.IsRegular():
			perm := fs.FileMode(0o644)
			if preserveMode {
				perm = mode.Perm()
			}
			return copyFile(path, target, perm)
		}
		return nil // sockets, devices, pipes: not sent
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// snapshot records every entry under root: a directory, a link's target,
// a file's mode and content hash.
func snapshot(root string) (map[string]string, error) {
	snap := map[string]string{}
	err := filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch mode := fi.Mode(); {
		case mode.IsDir():
			snap[rel] = "dir " + mode.Perm().String()
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			snap[rel] = "link " + link
		case mode.IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			snap[rel] = mode.Perm().String() + " " + hex.EncodeToString(sum[:])
		default:
			snap[rel] = mode.String()
		}
		return nil
	})
	return snap, err
}

// changed lists, sorted, the paths whose entries differ between two
// snapshots, created and removed ones included.
func changed(before, after map[string]string) []string {
	var out []string
	for p, a := range after {
		if b, ok := before[p]; !ok || a != b {
			out = append(out, filepath.ToSlash(p))
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, filepath.ToSlash(p))
		}
	}
	slices.Sort(out)
	return out
}
