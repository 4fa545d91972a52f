package guard

import (
	"crypto/sha256"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/policies"
)

// SourceHash hashes the policy files Load reads for opts, without parsing
// them: each file's name, as Load names it, and its bytes, in the order
// Load reads them. Two option sets with the same hash load the same
// policies, so a cache can keep what a load found (the rules, the ids it
// knows) under it, together with the options that select and rank the
// rules. A file Load could not read is an error: only Load reports it.
func SourceHash(opts Options) ([32]byte, error) {
	h := sha256.New()
	dirs := opts.Dirs
	if !opts.NoBuiltin {
		dirs = append([]Dir{{Name: "policies", FS: policies.FS}}, dirs...)
	}
	for _, d := range dirs {
		err := fs.WalkDir(d.FS, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || path.Ext(p) != ".rego" || strings.HasSuffix(p, "_test.rego") {
				return err
			}
			b, err := fs.ReadFile(d.FS, p)
			if err != nil {
				return err
			}
			name := path.Join(d.Name, p)
			h.Write([]byte(strconv.Itoa(len(name)) + ":" + name + strconv.Itoa(len(b)) + ":"))
			h.Write(b)
			return nil
		})
		if err != nil {
			return [32]byte{}, err
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, nil
}
