package diag

import "github.com/kilnhq/kiln/compiler/source"

// Wire is a Diagnostic as it is stored or crosses a process boundary (a
// sandbox worker's answer, a cache entry): every fact of it, with its
// positions as a file name and byte offsets into that file, -1 for none.
// The reader supplies the files (FromWire for one known file, Resolve for
// several, by name).
type Wire struct {
	File           string `json:"F,omitempty"` // the name of Pos's file; empty for none
	Pos, End       int
	Severity       Severity
	Code           string
	Message        string
	Path           string        `json:",omitempty"`
	Suggestion     string        `json:",omitempty"`
	Waived         string        `json:",omitempty"`
	WaivedInSource bool          `json:",omitempty"`
	Object         string        `json:",omitempty"`
	ObjectPath     string        `json:",omitempty"`
	Environments   []string      `json:",omitempty"`
	Kind           Kind          `json:",omitempty"`
	Related        []WireRelated `json:",omitempty"`
}

// WireRelated is a Related as Wire carries it: in a file of its own name.
type WireRelated struct {
	File     string `json:"F,omitempty"`
	Pos, End int
	Message  string
}

// ToWire writes l for the wire.
func ToWire(l List) []Wire {
	out := make([]Wire, 0, len(l))
	for _, d := range l {
		w := Wire{File: fileName(d.Pos), Pos: WireOffset(d.Pos), End: WireOffset(d.End), Severity: d.Severity, Code: d.Code, Message: d.Message,
			Path: d.Path, Suggestion: d.Suggestion, Waived: d.Waived, WaivedInSource: d.WaivedInSource, Object: d.Object, ObjectPath: d.ObjectPath,
			Environments: d.Environments, Kind: d.Kind}
		for _, r := range d.Related {
			w.Related = append(w.Related, WireRelated{File: fileName(r.Pos), Pos: WireOffset(r.Pos), End: WireOffset(r.End), Message: r.Message})
		}
		out = append(out, w)
	}
	return out
}

// FromWire reads w back with every position in f, whatever file name it
// carries: the answer of a worker that was given f alone.
func FromWire(f *source.File, w []Wire) List {
	return Resolve(w, func(string) *source.File { return f })
}

// Resolve reads w back, finding each position's file by its name with
// file, which returns nil for a file it cannot (or must not) give. A
// position in a file it cannot give is dropped, except the start of one
// (offset 0, the place of an error about a file that cannot be read),
// which needs none of its text: it is kept in an empty file of that name.
// A position past the end of its file is dropped too.
func Resolve(w []Wire, file func(name string) *source.File) List {
	var l List
	unread := map[string]*source.File{}
	at := func(name string, off int) source.Pos {
		f := file(name)
		if f == nil {
			if name == "" || off != 0 {
				return source.Pos{}
			}
			if unread[name] == nil {
				unread[name] = source.NewFile(name, nil)
			}
			f = unread[name]
		}
		return WirePos(f, off)
	}
	for _, x := range w {
		d := Diagnostic{Severity: x.Severity, Code: x.Code, Message: x.Message, Path: x.Path, Suggestion: x.Suggestion,
			Waived: x.Waived, WaivedInSource: x.WaivedInSource, Object: x.Object, ObjectPath: x.ObjectPath,
			Environments: x.Environments, Kind: x.Kind}
		if x.Pos >= 0 {
			d.Pos = at(x.File, x.Pos)
		}
		if x.End >= 0 {
			d.End = at(x.File, x.End)
		}
		for _, r := range x.Related {
			rel := Related{Message: r.Message}
			if r.Pos >= 0 {
				rel.Pos = at(r.File, r.Pos)
			}
			if r.End >= 0 {
				rel.End = at(r.File, r.End)
			}
			d.Related = append(d.Related, rel)
		}
		l = append(l, d)
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
	if f == nil || off < 0 || off > len(f.Content) {
		return source.Pos{}
	}
	return f.Pos(off)
}
