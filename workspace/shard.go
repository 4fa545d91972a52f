package workspace

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A Shard is one of n parts of a repository's apps, for checking them
// on n machines at once: shard i of n holds the apps whose path, relative
// to their repository's root, hashes to i-1 modulo n. An app's shard
// depends on its own path alone, not on its position among the others,
// so that adding or removing an app moves no other app; and on the path
// relative to the root, so that every checkout and every working
// directory agree. The zero Shard holds every app.
type Shard struct {
	I, N int // 1 ≤ I ≤ N; N == 0 for the zero Shard
}

// ParseShard reads "i/n" (kiln check --shard), with 1 ≤ i ≤ n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q is not i/n (such as 1/4: the first of four shards)", s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("shard %q: the number of shards %q is not a whole number of at least 1", s, ns)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 1 || i > n {
		return Shard{}, fmt.Errorf("shard %q: the shard %q is not a whole number from 1 to %d", s, is, n)
	}
	return Shard{I: i, N: n}, nil
}

// String is "i/n", or "" for the zero Shard.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Has reports whether the shard holds the app defined in def (a path as
// given, relative to the working directory or absolute), whose
// repository root is root. An empty root (an app outside any repository)
// hashes the path as given.
func (s Shard) Has(root, def string) bool {
	if s.N <= 1 {
		return true
	}
	return int(ShardHash(root, def)%uint64(s.N)) == s.I-1
}

// ShardHash is the hash that places an app: the first 8 bytes of the
// SHA-256 of its definition's path relative to root, slash-separated,
// as a big-endian number.
func ShardHash(root, def string) uint64 {
	h := sha256.Sum256([]byte(shardPath(root, def)))
	return binary.BigEndian.Uint64(h[:8])
}

// shardPath is def relative to root with forward slashes, or def cleaned
// when it cannot be made relative (no root, another volume).
func shardPath(root, def string) string {
	if root != "" {
		abs, err1 := filepath.Abs(def)
		r, err2 := filepath.Abs(root)
		rel, err := filepath.Rel(r, abs)
		if err1 == nil && err2 == nil && err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(def))
}

// keep returns the inputs the shard holds. An input's root is its
// repository's, or, outside any repository, its own directory, which
// says nothing of where it is: such an app is placed by its path as
// given.
func (s Shard) keep(inputs []input) []input {
	if s.N <= 1 {
		return inputs
	}
	var out []input
	for _, in := range inputs {
		root := in.root
		if _, err := os.Lstat(filepath.Join(root, ".git")); err != nil {
			root = ""
		}
		if s.Has(root, in.file.Name) {
			out = append(out, in)
		}
	}
	return out
}
