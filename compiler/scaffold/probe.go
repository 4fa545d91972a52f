package scaffold

import (
	"bytes"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds of what detection reads, so that init answers at once in a large
// project: a definition's values are stated near the project's root.
const (
	maxFiles    = 5000      // files listed
	maxDepth    = 6         // directories below the project's
	maxScanned  = 1000      // source files read for a port
	maxFileSize = 256 << 10 // bytes of one file read
)

// skipDirs are directories of dependencies, outputs and tools, never the
// project's own code.
var skipDirs = map[string]bool{
	".git": true, "node_modules": true, "vendor": true, "target": true, "build": true,
	"dist": true, ".venv": true, "venv": true, "__pycache__": true, ".gradle": true,
	".idea": true, ".vscode": true, ".next": true, "testdata": true,
}

// probe is one detection: the project's files and what was found so far.
type probe struct {
	fs    fs.FS
	dir   string   // the project's directory in the repository
	files []string // the project's files, slash paths, in lexical order
	p     *Project
	name  Value // the name the project states, if any
	// frameworkPort is the port of the framework the project uses by
	// default, when nothing more specific says one.
	frameworkPort Value
	// sourceExt are the extensions of the language's source files, read
	// for a port.
	sourceExt []string
	// portConfig finds a port in the language's configuration files
	// (Spring's server.port); nil when it has none.
	portConfig func() Value
}

// walk lists the project's files in lexical order, within the bounds.
func (pr *probe) walk() error {
	err := fs.WalkDir(pr.fs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // an unreadable subdirectory says nothing
		}
		if d.IsDir() {
			if p != "." && (skipDirs[d.Name()] || strings.Count(p, "/") >= maxDepth) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			pr.files = append(pr.files, p)
		}
		if len(pr.files) >= maxFiles {
			return fs.SkipAll
		}
		return nil
	})
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

// read returns a file of the project, nil when it is missing, unreadable
// or larger than detection reads.
func (pr *probe) read(name string) []byte {
	info, err := fs.Stat(pr.fs, name)
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxFileSize {
		return nil
	}
	data, err := fs.ReadFile(pr.fs, name)
	if err != nil {
		return nil
	}
	return data
}

func (pr *probe) exists(name string) bool {
	info, err := fs.Stat(pr.fs, name)
	return err == nil && info.Mode().IsRegular()
}

// warn records that a file of the project could not be used.
func (pr *probe) warn(file string, line int, msg string) {
	pr.p.Warnings = append(pr.p.Warnings, Warning{File: path.Join(pr.dir, file), Line: line, Message: msg})
}

// lineOf is the 1-based line of the first occurrence of needle in data at
// or after offset from, 0 when there is none.
func lineOf(data []byte, from int, needle string) int {
	if from > len(data) {
		return 0
	}
	i := bytes.Index(data[from:], []byte(needle))
	if i < 0 {
		return 0
	}
	return lineAt(data, from+i)
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int { return bytes.Count(data[:off], []byte("\n")) + 1 }

// snippet is line n of data, trimmed and shortened for a comment.
func snippet(data []byte, n int) string {
	lines := bytes.Split(data, []byte("\n"))
	if n < 1 || n > len(lines) {
		return ""
	}
	s := strings.TrimSpace(string(lines[n-1]))
	if len(s) > 60 {
		cut := 57
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// src is "from file:line: snippet", where a value came from.
func src(file string, data []byte, line int) string { return "from " + at(file, data, line) }

// at is "file:line: snippet", a place in a file.
func at(file string, data []byte, line int) string {
	if line <= 0 {
		return file
	}
	s := file + ":" + strconv.Itoa(line)
	if sn := snippet(data, line); sn != "" {
		s += ": " + sn
	}
	return s
}
