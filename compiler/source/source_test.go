package source

import (
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
