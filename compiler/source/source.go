// Package source holds the bytes of an input file and turns byte offsets into
// the line and column forms that people and tools read.
//
// Positions are stored as byte offsets and converted in one place, so the
// text report, JSON, SARIF and the language server cannot disagree about
// where a finding is.
package source

import (
	"bytes"
	"sort"
	"unicode/utf8"
)

// A File is the content of one input, named as the user named it.
// A File is immutable once made and safe for concurrent use.
type File struct {
	Name    string
	Content []byte
	lines   []int // byte offset of the start of each line
}

// NewFile returns a File for name with the given content.
func NewFile(name string, content []byte) *File {
	lines := []int{0}
	for i, b := range content {
		if b == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &File{Name: name, Content: content, lines: lines}
}

// A Pos is a byte offset in a file. The zero Pos has no file and is invalid.
type Pos struct {
	File   *File
	Offset int
}

// Valid reports whether p points into a file.
func (p Pos) Valid() bool { return p.File != nil && p.Offset >= 0 }

// LineCol returns p's 1-based line and 1-based column, the column counted in
// bytes as Go, gcc and SARIF count it.
func (p Pos) LineCol() (line, col int) {
	if !p.Valid() {
		return 0, 0
	}
	return p.File.LineCol(p.Offset)
}

// LineCol returns the 1-based line and byte column of offset off.
func (f *File) LineCol(off int) (line, col int) {
	off = min(max(off, 0), len(f.Content))
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return i + 1, off - f.lines[i] + 1
}

// Pos returns the position of offset off in f.
func (f *File) Pos(off int) Pos { return Pos{File: f, Offset: off} }

// PosAt returns the position of a 1-based line and a 1-based column counted
// in characters (runes), the way YAML and Jsonnet parsers count them.
// Out-of-range values are clamped to the file.
func (f *File) PosAt(line, runeCol int) Pos {
	if line < 1 {
		return f.Pos(0)
	}
	if line > len(f.lines) {
		return f.Pos(len(f.Content))
	}
	start := f.lines[line-1]
	text := f.Line(line)
	off := 0
	for n := 1; n < runeCol && off < len(text); n++ {
		_, size := utf8.DecodeRune(text[off:])
		off += size
	}
	return f.Pos(start + off)
}

// Line returns the text of 1-based line n, without its line ending.
func (f *File) Line(n int) []byte {
	if n < 1 || n > len(f.lines) {
		return nil
	}
	start, end := f.lines[n-1], len(f.Content)
	if n < len(f.lines) {
		end = f.lines[n] - 1
	}
	return bytes.TrimSuffix(f.Content[start:end], []byte("\r"))
}

// RuneCol returns p's 1-based column counted in Unicode code points, as
// SARIF's unicodeCodePoints column kind counts it.
func (p Pos) RuneCol() int {
	if !p.Valid() {
		return 0
	}
	line, col := p.LineCol()
	return utf8.RuneCount(p.File.Line(line)[:min(col-1, len(p.File.Line(line)))]) + 1
}

// LineCol16 returns the 0-based line and 0-based column of offset off,
// the column counted in UTF-16 code units, as the Language Server Protocol
// counts it: a character outside the Basic Multilingual Plane (an emoji)
// is two units, é is one, although both are several bytes.
func (f *File) LineCol16(off int) (line, col16 int) {
	line, col := f.LineCol(off)
	text := f.Content[f.lines[line-1]:]
	return line - 1, utf16Len(text[:min(col-1, len(text))])
}

// Offset16 returns the byte offset of a 0-based line and UTF-16 column, as
// an LSP client sends them; a column past the line's end, or in the middle
// of a character, is clamped to the end of the line or of the character.
func (f *File) Offset16(line, col16 int) int {
	if line < 0 {
		return 0
	}
	if line >= len(f.lines) {
		return len(f.Content)
	}
	start := f.lines[line]
	text := f.Line(line + 1)
	off, units := 0, 0
	for off < len(text) && units < col16 {
		r, size := utf8.DecodeRune(text[off:])
		units += utf16RuneLen(r)
		off += size
	}
	return start + off
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n += utf16RuneLen(r)
		b = b[size:]
	}
	return n
}

// utf16RuneLen is how many UTF-16 units encode r; an invalid byte counts
// as the one replacement character it decodes to.
func utf16RuneLen(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
