package workspace

import (
	"errors"

	"github.com/kilnhq/kiln/compiler/diag"
)

// The check index carries every finding of every app: over a thousand
// apps, some twenty thousand strings, most of them the same few hundred
// (a rule's code, its message, a field path). Decoded by gob, each is an
// allocation, and decoding them was most of a run with nothing changed.
// The index stores its findings instead as a table of the distinct
// strings and one column of integers (gob packs an []int64 in a single
// run of varints), which decodes several times faster and shares each
// string among the findings that repeat it.

// wireColumns writes findings as integers, each string as its index in
// a table of distinct strings.
type wireColumns struct {
	strings []string
	index   map[string]int64
	col     []int64
}

func newWireColumns() *wireColumns {
	return &wireColumns{index: map[string]int64{"": 0}, strings: []string{""}}
}

func (c *wireColumns) str(s string) {
	i, ok := c.index[s]
	if !ok {
		i = int64(len(c.strings))
		c.index[s] = i
		c.strings = append(c.strings, s)
	}
	c.col = append(c.col, i)
}

func (c *wireColumns) num(n int64) { c.col = append(c.col, n) }

// wireFields is how many fields of diag.Wire and diag.WireRelated the
// columns carry; a test fails when either type grows a field this file
// does not write.
const wireFields, relatedFields = 15, 4

// put writes ws: its length, then each finding's fields in declaration
// order, a list as its length and its elements.
func (c *wireColumns) put(ws []diag.Wire) {
	c.num(int64(len(ws)))
	for _, w := range ws {
		c.str(w.File)
		c.num(int64(w.Pos))
		c.num(int64(w.End))
		c.num(int64(w.Severity))
		c.str(w.Code)
		c.str(w.Message)
		c.str(w.Path)
		c.str(w.Suggestion)
		c.str(w.Waived)
		c.num(boolNum(w.WaivedInSource))
		c.str(w.Object)
		c.str(w.ObjectPath)
		c.num(int64(len(w.Environments)))
		for _, e := range w.Environments {
			c.str(e)
		}
		c.num(int64(w.Kind))
		c.num(int64(len(w.Related)))
		for _, r := range w.Related {
			c.str(r.File)
			c.num(int64(r.Pos))
			c.num(int64(r.End))
			c.str(r.Message)
		}
	}
}

func boolNum(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// errColumns says the columns do not read as findings: the index is of
// another shape, and answers nothing.
var errColumns = errors.New("check index: malformed findings")

// wireReader reads back what wireColumns wrote; every number is checked
// against what it may be, so a damaged index is an error, never a panic.
type wireReader struct {
	strings []string
	col     []int64
	at      int
	err     error
}

func (r *wireReader) num() int64 {
	if r.at >= len(r.col) {
		r.err = errColumns
		return 0
	}
	n := r.col[r.at]
	r.at++
	return n
}

func (r *wireReader) str() string {
	i := r.num()
	if i < 0 || i >= int64(len(r.strings)) {
		r.err = errColumns
		return ""
	}
	return r.strings[i]
}

// count reads a length, which cannot exceed what is left of the column.
func (r *wireReader) count() int {
	n := r.num()
	if n < 0 || n > int64(len(r.col)-r.at) {
		r.err = errColumns
		return 0
	}
	return int(n)
}

func (r *wireReader) get() []diag.Wire {
	n := r.count()
	if n == 0 || r.err != nil {
		return nil
	}
	ws := make([]diag.Wire, n)
	for i := range ws {
		w := &ws[i]
		w.File = r.str()
		w.Pos = int(r.num())
		w.End = int(r.num())
		w.Severity = diag.Severity(r.num())
		w.Code = r.str()
		w.Message = r.str()
		w.Path = r.str()
		w.Suggestion = r.str()
		w.Waived = r.str()
		w.WaivedInSource = r.num() != 0
		w.Object = r.str()
		w.ObjectPath = r.str()
		if n := r.count(); n > 0 {
			w.Environments = make([]string, n)
			for j := range w.Environments {
				w.Environments[j] = r.str()
			}
		}
		w.Kind = diag.Kind(r.num())
		if n := r.count(); n > 0 {
			w.Related = make([]diag.WireRelated, n)
			for j := range w.Related {
				rel := &w.Related[j]
				rel.File = r.str()
				rel.Pos = int(r.num())
				rel.End = int(r.num())
				rel.Message = r.str()
			}
		}
		if r.err != nil {
			return nil
		}
	}
	return ws
}

// putFindings moves r's findings (its own, the waived, each test's
// failures) into c, and returns r without them.
func (c *wireColumns) putFindings(r checked1) checked1 {
	c.put(r.Diags)
	c.put(r.Waived)
	r.Diags, r.Waived = nil, nil
	tests := make([]wireTest, len(r.Tests))
	for i, t := range r.Tests {
		c.put(t.Failures)
		t.Failures = nil
		tests[i] = t
	}
	if r.Tests != nil {
		r.Tests = tests
	}
	return r
}

// getFindings is putFindings undone, in place.
func (r *wireReader) getFindings(c *checked1) {
	c.Diags = r.get()
	c.Waived = r.get()
	for i := range c.Tests {
		c.Tests[i].Failures = r.get()
	}
}
