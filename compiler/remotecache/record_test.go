package remotecache

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestRecordRoundTrip(t *testing.T) {
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte("out")))
	for _, size := range []int64{0, 1, 127, 128, DefaultMaxBytes, 1<<63 - 1} {
		rec := formatRecord(id("a"), sum, size)
		r, err := parseRecord(rec, id("a"))
		if err != nil || r.output != sum || r.size != size {
			t.Errorf("size %d: %+v, %v", size, r, err)
		}
		if _, err := parseRecord(rec, id("b")); err == nil {
			t.Errorf("size %d: a record of action a answers action b", size)
		}
	}
}

// TestRecordIsAnActionResult decodes kiln's record by the field numbers
// of remote_execution.proto, written out here apart from record.go's.
func TestRecordIsAnActionResult(t *testing.T) {
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte("out")))
	rec := formatRecord(id("a"), sum, 300)
	want := fmt.Sprintf("2:{1:%q 2:{1:%q 2:300}}", fmt.Sprintf("kiln-remote-v2/%x", id("a")), sum)
	if got := dump(t, rec); got != want {
		t.Errorf("record\n%s\nwant\n%s", got, want)
	}
}

// dump prints a message whose length-delimited fields are messages when
// they start with a tag and strings otherwise: enough for a record.
func dump(t *testing.T, b []byte) string {
	var out []string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag in %q", b)
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			out = append(out, fmt.Sprintf("%d:%d", num, v))
			b = b[m:]
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if len(v) > 0 && v[0] == 0x0a && num != 1 {
				out = append(out, fmt.Sprintf("%d:{%s}", num, dump(t, v)))
			} else {
				out = append(out, fmt.Sprintf("%d:%q", num, v))
			}
			b = b[m:]
		default:
			t.Fatalf("wire type %d", typ)
		}
	}
	return strings.Join(out, " ")
}

func TestAValidatingServerKeepsTheRecord(t *testing.T) {
	for _, data := range [][]byte{[]byte(`{"app":"checkout"}`), {}} {
		srv := newServer(t, nil)
		var w warnings
		if err := newStore(t, srv.url, true, &w).Put(ctx, id("a"), data); err != nil || len(w.list()) != 0 {
			t.Fatalf("%q: %v %q", data, err, w.list())
		}
		kept, _ := srv.Entry("ac/" + actionKey(id("a")))
		if bytes.Equal(kept, formatRecord(id("a"), fmt.Sprintf("%x", sha256.Sum256(data)), int64(len(data)))) {
			t.Fatal("the server kept the record as written; it should add its metadata, as bazel-remote does")
		}
		r := newStore(t, srv.url, false, &w)
		if b, ok := r.Get(ctx, id("a")); !ok || !bytes.Equal(b, data) || len(w.list()) != 0 {
			t.Errorf("%q: Get = %q, %v; warnings %q", data, b, ok, w.list())
		}
	}
}

// FuzzDecodeRecord: parseRecord never panics, and what it accepts is
// kiln's encoding of what it returned, but for execution_metadata.
func FuzzDecodeRecord(f *testing.F) {
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte("out")))
	rec := formatRecord(id("a"), sum, 3)
	metadata := protowire.AppendBytes(protowire.AppendTag(nil, 9, protowire.BytesType), []byte("\x0a\x0f127.0.0.1:41234"))
	for _, seed := range [][]byte{
		rec,
		formatRecord(id("a"), sum, 0),
		formatRecord(id("a"), sum, DefaultMaxBytes),
		append(append([]byte(nil), rec...), metadata...),
		append(append([]byte(nil), metadata...), rec...),
		formatRecord(id("b"), sum, 3),
		append(append([]byte(nil), rec...), rec...),
		fmt.Appendf(nil, "kiln-remote-v1\naction %x\noutput %s 3\n", id("a"), sum),
		{0x0a, 0x22, 0x0a, 0x20},
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRecord(b, id("a"))
		if err != nil {
			return
		}
		if !isSHA256(r.output) || r.size < 0 {
			t.Fatalf("accepted %q as %+v", b, r)
		}
		if got, want := formatRecord(id("a"), r.output, r.size), dropMetadata(t, b); !bytes.Equal(got, want) {
			t.Fatalf("accepted %q, which re-encodes to %q", want, got)
		}
	})
}

// dropMetadata removes the execution_metadata fields (9, length-
// delimited) of the ActionResult b.
func dropMetadata(t *testing.T, b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			t.Fatalf("accepted a malformed message")
		}
		if num != 9 || typ != protowire.BytesType {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
