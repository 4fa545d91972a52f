package lsp

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"testing"
)

// A header line without an end (a client writing /dev/zero into the
// server) is read in bounded memory, and a message after it still is.
func TestLongHeaderLineIsBounded(t *testing.T) {
	junk := strings.Repeat("x", 8<<20)
	body := `{"jsonrpc":"2.0","id":1,"method":"shutdown"}`
	in := junk + "\r\n\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	s := &stream{in: bufio.NewReader(strings.NewReader(in)), out: io.Discard}
	line, n, err := s.readLine()
	if err != nil || len(line) > maxHeaderLine || n != int64(len(junk)+2) {
		t.Fatalf("readLine kept %d bytes of %d read, err %v", len(line), n, err)
	}
	s = &stream{in: bufio.NewReader(strings.NewReader(in)), out: io.Discard}
	msg, _, err := s.Read(t.Context())
	if err != nil || msg == nil {
		t.Fatalf("the message after the junk: %v, %v", msg, err)
	}
}
