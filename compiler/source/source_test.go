package source

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineCol(t *testing.T) {
	f := NewFile("f", []byte("ab\ncdé\r\nx"))
	for _, tc := range []struct{ off, line, col int }{
		{0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {5, 2, 3}, {9, 3, 1}, {10, 3, 2},
	} {
		if l, c := f.LineCol(tc.off); l != tc.line || c != tc.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func TestPosAtCountsRunes(t *testing.T) {
	// "é" is two bytes: the 4th character of line 2 starts at byte 4 of it.
	f := NewFile("f", []byte("ab\ncdéx\n"))
	p := f.PosAt(2, 4)
	if got := string(f.Content[p.Offset]); got != "x" {
		t.Errorf("PosAt(2, 4) points at %q, want x", got)
	}
	if l, c := p.LineCol(); l != 2 || c != 5 {
		t.Errorf("byte column = %d:%d, want 2:5", l, c)
	}
	if got := f.PosAt(99, 1).Offset; got != len(f.Content) {
		t.Errorf("PosAt past the end = %d, want %d", got, len(f.Content))
	}
}

func TestLineStripsCR(t *testing.T) {
	f := NewFile("f", []byte("a: 1\r\nb: 2"))
	if got := string(f.Line(1)); got != "a: 1" {
		t.Errorf("Line(1) = %q", got)
	}
	if got := string(f.Line(2)); got != "b: 2" {
		t.Errorf("Line(2) = %q", got)
	}
	if f.Line(3) != nil {
		t.Error("Line(3) of a two-line file is not nil")
	}
}

// LSP columns count UTF-16 units: non-ASCII text before a finding on the
// same line must not shift it.
func TestUTF16Columns(t *testing.T) {
	f := NewFile("k.yaml", []byte("a: x\nnote: \"é😀\" prot: 1\r\nlast"))
	off := strings.Index(string(f.Content), "prot")
	line, col := f.LineCol16(off)
	// "note: \"" is 7 units, é 1, 😀 2, "\" " 2: prot starts at unit 12.
	if line != 1 || col != 12 {
		t.Fatalf("LineCol16 = %d:%d, want 1:12", line, col)
	}
	if got := f.Offset16(1, 12); got != off {
		t.Errorf("Offset16(1, 12) = %d, want %d", got, off)
	}
	if got := f.Offset16(1, 9); got != strings.Index(string(f.Content), "😀")+len("😀") {
		t.Errorf("Offset16 between the emoji's two units lands at %d, want the end of the emoji", got)
	}
	if got := f.Offset16(1, 999); got != strings.Index(string(f.Content), "\r") {
		t.Errorf("a column past the end is not clamped to the line's end: %d", got)
	}
	if got := f.Offset16(9, 0); got != len(f.Content) {
		t.Errorf("a line past the end: %d", got)
	}
	for o := range len(f.Content) + 1 {
		if !utf8.RuneStart(append(f.Content, 0)[o]) {
			continue
		}
		l, c := f.LineCol16(o)
		if c := f.Content[min(o, len(f.Content)-1)]; c == '\r' || c == '\n' {
			continue // a line's end: Offset16 stops before it
		}
		if back := f.Offset16(l, c); back != o {
			t.Errorf("offset %d → %d:%d → %d", o, l, c, back)
		}
	}
}

// A lone carriage return ends a line as \n and \r\n do: files saved with
// classic Mac line endings, or with mixed endings, number their lines as
// editors do.
func TestLineEndings(t *testing.T) {
	for _, content := range []string{"a: 1\rbé: 2\r\rc: 3", "a: 1\nbé: 2\n\nc: 3", "a: 1\r\nbé: 2\r\n\r\nc: 3", "a: 1\rbé: 2\r\n\nc: 3"} {
		f := NewFile("f", []byte(content))
		if f.Lines() != 4 {
			t.Errorf("%q: %d lines, want 4", content, f.Lines())
		}
		for n, want := range []string{"a: 1", "bé: 2", "", "c: 3"} {
			if got := string(f.Line(n + 1)); got != want {
				t.Errorf("%q: Line(%d) = %q, want %q", content, n+1, got, want)
			}
		}
		c := strings.Index(content, "c")
		if l, col := f.LineCol(c); l != 4 || col != 1 {
			t.Errorf("%q: c at %d:%d, want 4:1", content, l, col)
		}
		if p := f.PosAt(2, 3); content[p.Offset:p.Offset+1] != ":" {
			t.Errorf("%q: PosAt(2, 3) at %q, want the colon", content, content[p.Offset:])
		}
		if p := f.PosAt(2, 99); p.Offset != strings.Index(content, "2")+1 {
			t.Errorf("%q: PosAt(2, 99) = %d, not clamped to the line's end", content, p.Offset)
		}
		if l, c16 := f.LineCol16(c); l != 3 || c16 != 0 {
			t.Errorf("%q: LineCol16 = %d:%d, want 3:0", content, l, c16)
		}
		if got := f.Offset16(3, 0); got != c {
			t.Errorf("%q: Offset16(3, 0) = %d, want %d", content, got, c)
		}
	}
}

// Each parser's line and column are mapped as that parser counts them.
func TestPosIn(t *testing.T) {
	content := "é: 1\rx: 2\n\u2028y: 3\u0085z: 4\r\nw"
	f := NewFile("f", []byte(content))
	at := func(s string) int { return strings.Index(content, s) }
	for _, tc := range []struct {
		name      string
		c         Counting
		line, col int
		want      int
	}{
		{"editor x", Editor, 2, 1, at("x")},
		{"editor y is on the line of the LS", Editor, 3, 2, at("y")},
		{"editor past the line's end", Editor, 1, 99, at("\r")},
		{"yaml y", YAML, 4, 1, at("y")},
		{"yaml z after NEL", YAML, 5, 1, at("z")},
		{"yaml w", YAML, 6, 1, at("w")},
		{"byte column", Jsonnet, 1, 4, at(" 1")},
		{"character column", Rego, 1, 3, at(" 1")},
		{"past the file", YAML, 99, 1, len(content)},
		{"before the file", Editor, 0, 5, 0},
	} {
		if got := f.PosIn(tc.c, tc.line, tc.col).Offset; got != tc.want {
			t.Errorf("%s: PosIn(%d, %d) = %d, want %d", tc.name, tc.line, tc.col, got, tc.want)
		}
	}
	if l, c := f.LineCol(at("w")); l != 4 || c != 1 {
		t.Errorf("w reported at %d:%d, want 4:1", l, c)
	}
}

// LF gives parsers that end lines at \n only the lines editors count, at
// the same offsets.
func TestLF(t *testing.T) {
	f := NewFile("f", []byte("a\rb\r\nc\n\rd"))
	if got := string(f.LF()); got != "a\nb\r\nc\n\nd" {
		t.Errorf("LF() = %q", got)
	}
	if got := bytes.Count(f.LF(), []byte("\n")) + 1; got != f.Lines() {
		t.Errorf("LF() has %d lines, the file %d", got, f.Lines())
	}
	plain := NewFile("g", []byte("a\r\nb\n"))
	if &plain.LF()[0] != &plain.Content[0] {
		t.Error("LF() copies a file without lone \\r")
	}
}

// The ASCII shortcut agrees with counting characters one by one.
func TestASCIIShortcut(t *testing.T) {
	ascii := NewFile("a", []byte("ab\rcd\r\nef"))
	wide := NewFile("w", []byte("ab\rcd\r\nef\u00e9"))
	for line := 0; line <= 4; line++ {
		for col := -1; col <= 4; col++ {
			if a, w := ascii.PosAt(line, col).Offset, wide.PosAt(line, col).Offset; a != w && line < 3 {
				t.Errorf("PosAt(%d, %d): %d ascii, %d otherwise", line, col, a, w)
			}
			if a, w := ascii.Offset16(line, col), wide.Offset16(line, col); a != w && line < 2 {
				t.Errorf("Offset16(%d, %d): %d ascii, %d otherwise", line, col, a, w)
			}
		}
	}
	for off := range len(ascii.Content) + 1 {
		al, ac := ascii.LineCol16(off)
		wl, wc := wide.LineCol16(off)
		if al != wl || ac != wc || ascii.Pos(off).RuneCol() != wide.Pos(off).RuneCol() {
			t.Errorf("offset %d: %d:%d ascii, %d:%d otherwise", off, al, ac, wl, wc)
		}
	}
}

// A long line costs each position a constant, not the line's length: a
// definition written on one line of a megabyte loads in linear time.
func TestPosAtOnALongLine(t *testing.T) {
	f := NewFile("f", bytes.Repeat([]byte("a"), 1<<20))
	for col := 1; col <= 1<<20; col++ {
		if f.PosAt(1, col).Offset != col-1 {
			t.Fatalf("PosAt(1, %d) wrong", col)
		}
	}
}

// NewFile's shortcut for plain ASCII makes the File that reading a byte
// at a time makes: the same lines, the same ASCII flag, no LF copy and no
// YAML lines of its own.
func FuzzNewFile(f *testing.F) {
	for _, s := range []string{"", "a", "\n", "a\nb\n", "a\nb", "\n\n\n", "a\rb", "a\r\nb", "é\n", "a\u2028b", "12345678\n12345678", "1234567\u00e9", "\x7f\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		got, want := NewFile("f", content), newFile("f", content)
		if !slices.Equal(got.lines, want.lines) || got.ascii != want.ascii || (got.lf == nil) != (want.lf == nil) || (got.yamlLines == nil) != (want.yamlLines == nil) {
			t.Fatalf("%q: lines %v ascii %v, byte by byte %v %v", content, got.lines, got.ascii, want.lines, want.ascii)
		}
	})
}

// BenchmarkNewFile makes a File of a 500-byte definition, as a warm kiln
// check does for every app.
func BenchmarkNewFile(b *testing.B) {
	content := bytes.Repeat([]byte("  resources: {cpu: 250m, memory: 256Mi}\n"), 12)
	for b.Loop() {
		NewFile("kiln.yaml", content)
	}
}
