package workspace

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/kilnhq/kiln/compiler/diag"
)

// fill sets every field of the struct v points to, recursively, to a
// value no other field has, so that a field the columns drop or swap
// shows in a comparison.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	default:
		panic("fill: a field of kind " + v.Kind().String())
	}
}

func TestWireColumnsCarryEveryField(t *testing.T) {
	if n := reflect.TypeFor[diag.Wire]().NumField(); n != wireFields {
		t.Fatalf("diag.Wire has %d fields and the index's columns carry %d: write the new one in wireColumns.put and read it in wireReader.get", n, wireFields)
	}
	if n := reflect.TypeFor[diag.WireRelated]().NumField(); n != relatedFields {
		t.Fatalf("diag.WireRelated has %d fields and the index's columns carry %d", n, relatedFields)
	}
	var in checked1
	n := 0
	in.Diags = make([]diag.Wire, 3)
	for i := range in.Diags {
		fill(reflect.ValueOf(&in.Diags[i]).Elem(), &n)
	}
	in.Diags[2] = in.Diags[0] // repeated strings share the table
	in.Waived = make([]diag.Wire, 1)
	fill(reflect.ValueOf(&in.Waived[0]).Elem(), &n)
	in.Tests = []wireTest{{File: "t.yaml", Name: "a", Status: "failed", Failures: in.Waived}, {File: "t.yaml", Name: "b", Status: "passed"}}
	in.Documents = 7

	c := newWireColumns()
	stored := c.putFindings(in)
	if stored.Diags != nil || stored.Waived != nil || stored.Tests[0].Failures != nil {
		t.Fatal("putFindings left findings in the result it returns")
	}
	if in.Tests[0].Failures == nil {
		t.Fatal("putFindings changed the result it was given")
	}
	r := &wireReader{strings: c.strings, col: c.col}
	r.getFindings(&stored)
	if r.err != nil || r.at != len(c.col) {
		t.Fatalf("read back: err %v, %d of %d numbers read", r.err, r.at, len(c.col))
	}
	if !reflect.DeepEqual(stored, in) {
		t.Fatalf("read back\n%+v\nwant\n%+v", stored, in)
	}
	if len(c.strings) >= 2*n {
		t.Fatalf("%d strings in the table for %d distinct ones written: repeats are not shared", len(c.strings), n)
	}
}

// A damaged index is an error, whatever part of it is missing, and never
// a panic, whatever number is out of range.
func TestWireColumnsRefuseDamage(t *testing.T) {
	var in checked1
	n := 0
	in.Diags = make([]diag.Wire, 2)
	for i := range in.Diags {
		fill(reflect.ValueOf(&in.Diags[i]).Elem(), &n)
	}
	c := newWireColumns()
	c.putFindings(in)
	for cut := range len(c.col) {
		var got checked1
		r := &wireReader{strings: c.strings, col: c.col[:cut]}
		r.getFindings(&got)
		if r.err == nil {
			t.Fatalf("columns cut to %d of %d numbers read without an error", cut, len(c.col))
		}
	}
	for i := range c.col {
		for _, v := range []int64{-1, 1 << 40} {
			bad := append([]int64(nil), c.col...)
			bad[i] = v
			var got checked1
			r := &wireReader{strings: c.strings, col: bad}
			r.getFindings(&got) // a length or string out of range is an error, not a panic
		}
	}
}
