package report

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

var update = flag.Bool("update", false, "rewrite testdata/text.golden from Text's output")

// variedDiagnostics are diagnostics of every shape Text renders: each
// severity, waived, with and without a code, environments, no position,
// carets over ASCII, multi-byte text and tabs, a range past its line, a
// range over lines, a long line windowed at its start, middle and end,
// an empty line, a range over a CRLF line's \r (which once made the
// caret's width zero, and strings.Repeat panic), and a position at the
// end of a file. Several share a file, as a repository's findings do.
func variedDiagnostics() diag.List {
	long := strings.Repeat("abcdefghij", 30) // 300 bytes: windowed
	f := source.NewFile("apps/a/kiln.yaml", []byte("metadata:\n  name: café_x\n\tkey:\tvalue\n\n"+long+"\nlast é line"))
	g := source.NewFile("apps/b/kiln.json", []byte(`{"spec": {"port": "80"}}`))
	at := func(file *source.File, from, to int) (source.Pos, source.Pos) { return file.Pos(from), file.Pos(to) }
	var ds diag.List
	add := func(p, e source.Pos, d diag.Diagnostic) {
		d.Pos, d.End = p, e
		ds = append(ds, d)
	}
	p, e := at(f, 18, 25)
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "schema/format", Message: "bad name"})
	add(p, p, diag.Diagnostic{Severity: diag.Warning, Code: "image-pinned", Message: "not pinned", Environments: []string{"prod"}})
	add(p, e, diag.Diagnostic{Severity: diag.Info, Message: "no code", Environments: []string{"dev", "staging"}})
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "owner-label", Message: "waived one", Waived: "until the migration"})
	p, e = at(f, 27, 37) // "\tkey:\tvalue": tabs before and inside the range
	add(p, e, diag.Diagnostic{Severity: diag.Warning, Code: "tabs", Message: "tab line"})
	p, e = at(f, 29, 40) // from the tab line into the next (empty) one
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "span", Message: "over lines"})
	p, _ = at(f, 38, 38)
	add(p, p, diag.Diagnostic{Severity: diag.Error, Code: "empty", Message: "on an empty line"})
	for _, col := range []int{0, 150, 295} {
		p, e = at(f, 39+col, 39+col+4)
		add(p, e, diag.Diagnostic{Severity: diag.Warning, Code: "long", Message: fmt.Sprintf("long line at %d", col)})
	}
	p, e = at(f, len(f.Content)-4, len(f.Content)+10)
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "end", Message: "past the end"})
	p, e = at(g, 18, 22)
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "schema/type", Message: "port: a number"})
	crlf := source.NewFile("apps/c/kiln.yaml", []byte("ab\r\ncd\r\n"))
	p, e = at(crlf, 2, 3) // over the line's \r, which its text leaves out
	add(p, e, diag.Diagnostic{Severity: diag.Error, Code: "crlf", Message: "at a line's end"})
	ds = append(ds, diag.Diagnostic{Severity: diag.Error, Code: "internal", Message: "no position"})
	return ds
}

// TestTextGolden holds Text's output, plain and coloured, over every
// shape of diagnostic (see variedDiagnostics). go test -run TextGolden
// -update rewrites it; review the diff.
func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, color := range []bool{false, true} {
		fmt.Fprintf(&buf, "--- color %v\n", color)
		if err := Text(&buf, variedDiagnostics(), TextOptions{Color: color}); err != nil {
			t.Fatal(err)
		}
	}
	golden := filepath.Join("testdata", "text.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Text differs from %s (go test -run TextGolden -update rewrites it):\n%s", golden, buf.String())
	}
}

// repositoryDiagnostics are the findings of a large repository: 2500
// diagnostics over 1000 files, as kiln check reports of a thousand apps.
func repositoryDiagnostics() diag.List {
	var ds diag.List
	for i := range 1000 {
		f := source.NewFile(fmt.Sprintf("apps/app%04d/kiln.yaml", i), []byte(fmt.Sprintf(
			"apiVersion: kiln.dev/v1alpha1\nkind: App\nmetadata:\n  name: app-%d\n  owner: team-%d\nspec:\n  image: registry.example.com/t/app-%d:latest\n  resources: {cpu: \"250m\", memory: 512Mi}\n", i, i%40, i)))
		for j := range 2 + i%2 {
			ds = append(ds, diag.Diagnostic{Pos: f.Pos(100 + j), End: f.Pos(140), Severity: diag.Severity(j % 3), Code: "image-digest",
				Message: fmt.Sprintf("Deployment/app-%d: image registry.example.com/t/app-%d:latest is pinned by tag but not by digest", i, i), Environments: []string{"prod"}})
		}
	}
	return ds
}

// writes records each Write it is given, and fails from the failing'th on
// (never when failing is 0).
type writes struct {
	sizes   []int
	all     bytes.Buffer
	failing int
}

func (w *writes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	if w.failing > 0 && len(w.sizes) >= w.failing {
		return 0, io.ErrShortWrite
	}
	return w.all.Write(p)
}

// A report larger than textChunk is written in pieces, each of
// textChunk bytes and the rest of one diagnostic at most, which add up
// to the report rendered whole; a write that fails ends it with its
// error.
func TestTextWritesInPieces(t *testing.T) {
	ds := repositoryDiagnostics()
	var whole []byte
	longest := 0
	for _, d := range ds {
		n := len(whole)
		whole = appendText(whole, d, TextOptions{})
		longest = max(longest, len(whole)-n)
	}
	var w writes
	if err := Text(&w, ds, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.all.Bytes(), whole) {
		t.Fatal("the pieces differ from the report rendered whole")
	}
	if len(w.sizes) < len(whole)/(textChunk+longest) {
		t.Errorf("%d bytes in %d writes", len(whole), len(w.sizes))
	}
	for _, n := range w.sizes {
		if n >= textChunk+longest {
			t.Errorf("a write of %d bytes: more than a piece", n)
		}
	}
	failing := writes{failing: 2}
	if err := Text(&failing, ds, TextOptions{}); err != io.ErrShortWrite || len(failing.sizes) != 2 {
		t.Errorf("a failing write: %v after %d writes, want io.ErrShortWrite after 2", err, len(failing.sizes))
	}
}

// BenchmarkText renders the findings of a large repository, as kiln
// check's report of a thousand apps does at the end of every run.
func BenchmarkText(b *testing.B) {
	ds := repositoryDiagnostics()
	for b.Loop() {
		if err := Text(io.Discard, ds, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
