// Package source holds the bytes of an input file and turns byte offsets into
// the line and column forms that people and tools read.
//
// Positions are stored as byte offsets and converted in one place, so the
// text report, JSON, SARIF and the language server cannot disagree about
// where a finding is.
//
// A line ends at a line feed, a carriage return followed by a line feed, or
// a carriage return alone (a file saved with classic Mac line endings), as
// editors and the Language Server Protocol count lines. Parsers that end
// lines at \n only read File.LF, in which every lone \r is a \n; YAML's
// parser counts a few more line breaks (see Counting). PosIn maps the
// lines and columns each parser reports back to offsets.
package source

import (
	"bytes"
	"encoding/binary"
	"sort"
	"sync"
	"unicode/utf8"
)

// A File is the content of one input, named as the user named it.
// A File is immutable once made and safe for concurrent use.
type File struct {
	Name    string
	Content []byte
	lines   []int // byte offset of the start of each line, as editors count lines
	ascii   bool  // every byte is ASCII: a character column is a byte column
	// Made on first use, and nil when the same as Content and lines: a
	// file without lone carriage returns, without Unicode line breaks.
	lf        func() []byte
	yamlLines func() []int
}

// NewFile returns a File for name with the given content.
func NewFile(name string, content []byte) *File {
	if plainASCII(content) {
		return &File{Name: name, Content: content, lines: lfLineStarts(content), ascii: true}
	}
	return newFile(name, content)
}

// newFile is NewFile for any content, a byte at a time: lines may end at
// a lone \r, and a multi-byte character may be a Unicode line break.
func newFile(name string, content []byte) *File {
	f := &File{Name: name, Content: content, lines: []int{0}, ascii: true}
	loneCR, unicodeBreaks := false, false
	for i, b := range content {
		switch {
		case b == '\n':
			f.lines = append(f.lines, i+1)
		case b == '\r':
			if i+1 == len(content) || content[i+1] != '\n' {
				f.lines = append(f.lines, i+1)
				loneCR = true
			}
		case b >= utf8.RuneSelf:
			f.ascii = false
			unicodeBreaks = unicodeBreaks || breakLen(content, i) > 0
		}
	}
	if loneCR {
		f.lf = sync.OnceValue(func() []byte { return loneCRToLF(content) })
	}
	if unicodeBreaks {
		f.yamlLines = sync.OnceValue(func() []int { return lineStarts(content, yamlBreak) })
	}
	return f
}

// plainASCII reports whether content is ASCII without a carriage return,
// as most files are: its lines end at \n alone, and NewFile finds them
// with bytes.IndexByte rather than a byte at a time (a warm kiln check
// makes a File of every definition of the repository).
func plainASCII(content []byte) bool {
	const high = 0x8080808080808080 // the top bit of each of 8 bytes
	b := content
	for ; len(b) >= 8; b = b[8:] {
		if binary.LittleEndian.Uint64(b)&high != 0 {
			return false
		}
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return bytes.IndexByte(content, '\r') < 0
}

// lfLineStarts are the offsets where the lines of content, ended by \n
// alone, start.
func lfLineStarts(content []byte) []int {
	starts := make([]int, 1, bytes.Count(content, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(content[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// LF returns the content with each lone \r (a classic Mac OS line ending)
// made a \n, for the parsers that end lines at \n only (CUE, Rego,
// Jsonnet, BuildKit's Dockerfile parser). The replacement keeps every
// offset, and \r\n stays as it is, so the lines such a parser counts in
// it are the lines editors count in the file.
func (f *File) LF() []byte {
	if f.lf == nil {
		return f.Content
	}
	return f.lf()
}

func loneCRToLF(content []byte) []byte {
	out := bytes.Clone(content)
	for i, b := range out {
		if b == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// Breaks names a way of ending lines.
type Breaks uint8

const (
	// EditorBreaks ends a line at \n, \r\n or a lone \r: the lines kiln
	// reports, and those of the Language Server Protocol.
	EditorBreaks Breaks = iota
	// YAMLBreaks ends a line where EditorBreaks does, and at the Unicode
	// line breaks YAML 1.2 also counts: NEL (U+0085), LS (U+2028) and
	// PS (U+2029).
	YAMLBreaks
)

// A Counting is how a parser numbers the lines and columns it reports.
type Counting struct {
	Breaks      Breaks
	ByteColumns bool // columns count bytes; otherwise characters (runes)
}

// The countings of the parsers kiln positions findings from; those that
// end lines at \n only count editors' lines because they read File.LF.
var (
	Editor     = Counting{Breaks: EditorBreaks}
	YAML       = Counting{Breaks: YAMLBreaks}                      // go.yaml.in/yaml/v3
	Jsonnet    = Counting{Breaks: EditorBreaks, ByteColumns: true} // go-jsonnet
	CUE        = Counting{Breaks: EditorBreaks, ByteColumns: true} // cuelang.org/go
	Rego       = Counting{Breaks: EditorBreaks}                    // OPA
	Dockerfile = Counting{Breaks: EditorBreaks, ByteColumns: true} // BuildKit
)

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
// in characters (runes), lines counted as editors count them.
// Out-of-range values are clamped to the file.
func (f *File) PosAt(line, runeCol int) Pos { return f.PosIn(Editor, line, runeCol) }

// PosIn returns the position of a 1-based line and 1-based column that a
// parser counting as c reported. A column past its line's end is clamped
// to the end, a line past the file's end to the file's end.
func (f *File) PosIn(c Counting, line, col int) Pos {
	starts := f.starts(c.Breaks)
	if line < 1 {
		return f.Pos(0)
	}
	if line > len(starts) {
		return f.Pos(len(f.Content))
	}
	start := starts[line-1]
	text := f.Content[start:f.lineEnd(starts, line)]
	if c.ByteColumns || f.ascii {
		return f.Pos(start + min(max(col-1, 0), len(text)))
	}
	off := 0
	for n := 1; n < col && off < len(text); n++ {
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
	return f.Content[f.lines[n-1]:f.lineEnd(f.lines, n)]
}

// Lines returns the number of lines in f, as editors count them. A file
// that ends with a line break has an empty last line.
func (f *File) Lines() int { return len(f.lines) }

// starts returns the line starts as b counts lines.
func (f *File) starts(b Breaks) []int {
	if b == YAMLBreaks && f.yamlLines != nil {
		return f.yamlLines()
	}
	return f.lines
}

// lineEnd returns the offset at which 1-based line n of starts ends,
// before its line break.
func (f *File) lineEnd(starts []int, n int) int {
	if n >= len(starts) {
		return len(f.Content)
	}
	end := starts[n]
	switch c := f.Content; {
	case end >= 2 && c[end-1] == '\n' && c[end-2] == '\r':
		return end - 2
	case c[end-1] == '\n' || c[end-1] == '\r':
		return end - 1
	case c[end-1] == 0x85:
		return end - 2 // NEL is two bytes in UTF-8
	}
	return end - 3 // LS and PS are three
}

// SplitAfter slices content into its lines as b counts them, each with
// its line break: what is left of a parser's line n is lines[n-1].
func SplitAfter(content []byte, b Breaks) [][]byte {
	isBreak := yamlBreak
	if b == EditorBreaks {
		isBreak = editorBreak
	}
	starts := lineStarts(content, isBreak)
	lines := make([][]byte, len(starts))
	for i, s := range starts {
		end := len(content)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		lines[i] = content[s:end:end]
	}
	return lines
}

// lineStarts returns the start of every line of content, a line ending
// after each break that isBreak finds.
func lineStarts(content []byte, isBreak func([]byte, int) int) []int {
	starts := []int{0}
	for i := 0; i < len(content); i++ {
		if n := isBreak(content, i); n > 0 {
			i += n - 1
			starts = append(starts, i+1)
		}
	}
	return starts
}

func editorBreak(c []byte, i int) int {
	if c[i] == '\r' || c[i] == '\n' {
		return yamlBreak(c, i)
	}
	return 0
}

// yamlBreak returns the length of the YAML line break at c[i], 0 if none.
func yamlBreak(c []byte, i int) int {
	switch c[i] {
	case '\n':
		return 1
	case '\r':
		if i+1 < len(c) && c[i+1] == '\n' {
			return 2
		}
		return 1
	}
	return breakLen(c, i)
}

// breakLen returns the length of the Unicode line break (NEL, LS, PS) at
// c[i], 0 if none.
func breakLen(c []byte, i int) int {
	switch {
	case bytes.HasPrefix(c[i:], []byte("\u0085")):
		return 2
	case bytes.HasPrefix(c[i:], []byte("\u2028")), bytes.HasPrefix(c[i:], []byte("\u2029")):
		return 3
	}
	return 0
}

// RuneCol returns p's 1-based column counted in Unicode code points, as
// SARIF's unicodeCodePoints column kind counts it.
func (p Pos) RuneCol() int {
	if !p.Valid() {
		return 0
	}
	line, col := p.LineCol()
	text := p.File.Line(line)
	text = text[:min(col-1, len(text))]
	if p.File.ascii {
		return len(text) + 1
	}
	return utf8.RuneCount(text) + 1
}

// LineCol16 returns the 0-based line and 0-based column of offset off,
// the column counted in UTF-16 code units, as the Language Server Protocol
// counts it: a character outside the Basic Multilingual Plane (an emoji)
// is two units, é is one, although both are several bytes.
func (f *File) LineCol16(off int) (line, col16 int) {
	line, col := f.LineCol(off)
	if f.ascii {
		return line - 1, col - 1
	}
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
	if f.ascii {
		return start + min(max(col16, 0), len(text))
	}
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
