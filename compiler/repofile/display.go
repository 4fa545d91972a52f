package repofile

import (
	"os"
	"path/filepath"
	"strings"
)

// Display names a file relative to the working directory when it is below
// it, as users wrote their paths.
func Display(name string) string {
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}
