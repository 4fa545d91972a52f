package lsp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
	"github.com/kilnhq/kiln/internal/lineend"
)

// nopCloser is a stream's connection over fixed bytes.
type nopCloser struct {
	io.Reader
	io.Writer
}

func (nopCloser) Close() error { return nil }

// FuzzStream feeds arbitrary bytes to the message framing: it returns a
// message or an error, never panics, and a bad message is answered
// without ending the stream.
func FuzzStream(f *testing.F) {
	f.Add([]byte("Content-Length: 2\r\n\r\n{}"))
	f.Add([]byte("Content-Length: 44\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}"))
	f.Add([]byte("Content-Length: 5\r\n\r\n{bad}Content-Length: 2\r\n\r\n{}"))
	f.Add([]byte("Content-Length: -1\r\n\r\n"))
	f.Add([]byte("\r\n\r\nContent-Length: 99999999999\r\n\r\n"))
	f.Add([]byte("Content-Length: 2\n\n{}"))
	f.Add([]byte("Content-Length: 2\r\r{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		s := newStream(nopCloser{bytes.NewReader(in), &out})
		for range 64 {
			msg, _, err := s.read()
			if err != nil && !errors.Is(err, errBadMessage) {
				return // the input ended or its framing is broken
			}
			if err == nil && msg == nil {
				t.Fatal("no message and no error")
			}
		}
	})
}

// FuzzCompletionContext reads the field path at every offset of arbitrary
// text: completion works on text that does not parse, so it must never
// panic on any.
func FuzzCompletionContext(f *testing.F) {
	f.Add([]byte("spec:\n  port: 8080\n  pro\n"), 20)
	f.Add([]byte("spec:\n  waivers:\n    - rule: \n      reason: x\n"), 30)
	f.Add([]byte("- - -\n\t:\n"), 3)
	for _, v := range lineend.Variants([]byte("spec:\n  port: 8080\n  pro\n")) {
		f.Add(v, 20)
	}
	srv := &Server{docs: newDocuments()}
	f.Fuzz(func(t *testing.T, src []byte, off int) {
		if len(src) > 1<<12 {
			return
		}
		off = min(max(off, 0), len(src))
		c := contextAt(src, off)
		if c.off != off {
			t.Fatalf("offset %d became %d", off, c.off)
		}
		siblings(src, off)
		f := source.NewFile("kiln.yaml", src)
		if doc := srv.loadDoc(context.Background(), f); doc != nil {
			locate(doc, off)
		}
	})
}
