package diag

import "github.com/kilnhq/kiln/compiler/source"

// Wire is a Diagnostic about one known file as it crosses a process
// boundary (a sandbox worker's answer): its positions are byte offsets
// into that file, -1 for none. The reader supplies the file.
type Wire struct {
	Pos, End int
	Severity Severity
	Code     string
	Message  string
	Path     string `json:",omitempty"`
}

// ToWire writes l, whose positions are all in one file, for the wire.
func ToWire(l List) []Wire {
	out := make([]Wire, 0, len(l))
	for _, d := range l {
		out = append(out, Wire{Pos: WireOffset(d.Pos), End: WireOffset(d.End), Severity: d.Severity, Code: d.Code, Message: d.Message, Path: d.Path})
	}
	return out
}

// FromWire reads w back, positioned in f.
func FromWire(f *source.File, w []Wire) List {
	var l List
	for _, d := range w {
		l = append(l, Diagnostic{Pos: WirePos(f, d.Pos), End: WirePos(f, d.End), Severity: d.Severity, Code: d.Code, Message: d.Message, Path: d.Path})
	}
	return l
}

// WireOffset is p's byte offset, or -1 for no position.
func WireOffset(p source.Pos) int {
	if !p.Valid() {
		return -1
	}
	return p.Offset
}

// WirePos is the position of a byte offset in f; -1, or an offset past
// its end, is no position.
func WirePos(f *source.File, off int) source.Pos {
	if off < 0 || off > len(f.Content) {
		return source.Pos{}
	}
	return f.Pos(off)
}
