package source

import "testing"

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
