package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// maxMessage bounds one JSON-RPC message. A definition is at most 1 MiB
// (load.DefaultMaxBytes); the bound leaves room for JSON escaping of a
// whole document sent on every change.
const maxMessage = 16 << 20

// stream frames messages with Content-Length headers, as jsonrpc2's own
// stream does, but survives what a faulty client sends: a message that is
// not JSON-RPC, or too large, is answered with a JSON-RPC error and
// skipped, where jsonrpc2's stream would end the connection.
type stream struct {
	in  *bufio.Reader
	out io.Writer
	c   io.Closer
	mu  sync.Mutex // one message written at a time
}

func newStream(rwc io.ReadWriteCloser) *stream {
	return &stream{in: bufio.NewReader(rwc), out: rwc, c: rwc}
}

// errBadMessage is a message read whole that is not a JSON-RPC message:
// the connection goes on.
var errBadMessage = errors.New("bad message")

func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := s.read()
		if !errors.Is(err, errBadMessage) {
			return msg, n, err
		}
		// A reply with a null id, as JSON-RPC prescribes for a message
		// whose id could not be read.
		s.writeRaw(map[string]any{"jsonrpc": "2.0", "id": nil,
			"error": map[string]any{"code": jsonrpc2.ParseError, "message": err.Error()}})
	}
}

func (s *stream) read() (jsonrpc2.Message, int64, error) {
	var total, length int64 = 0, -1
	headers := 0
	for {
		line, n, err := s.readLine()
		total += n
		if err != nil {
			return nil, total, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if headers == 0 {
				continue // stray blank lines between messages
			}
			if length < 0 {
				return nil, total, fmt.Errorf("%w: a header without Content-Length", errBadMessage)
			}
			break
		}
		// A body sent without headers runs into the next message's
		// header: read on from it.
		if i := strings.Index(line, "Content-Length:"); i > 0 {
			line = line[i:]
		}
		headers++
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if length, err = strconv.ParseInt(strings.TrimSpace(value), 10, 64); err != nil || length < 0 {
				s.skipHeader()
				return nil, total, fmt.Errorf("%w: invalid Content-Length %q", errBadMessage, value)
			}
		}
	}
	if length > maxMessage {
		n, err := io.CopyN(io.Discard, s.in, length)
		total += n
		if err != nil {
			return nil, total, err
		}
		return nil, total, fmt.Errorf("%w: a message of %d bytes is over the %d-byte limit", errBadMessage, length, maxMessage)
	}
	data := make([]byte, length)
	if _, err := io.ReadFull(s.in, data); err != nil {
		return nil, total, err
	}
	total += length
	msg, err := jsonrpc2.DecodeMessage(data)
	if err != nil {
		return nil, total, fmt.Errorf("%w: %v", errBadMessage, err)
	}
	return msg, total, nil
}

// skipHeader reads past the rest of a header block that cannot be used.
func (s *stream) skipHeader() {
	for {
		line, _, err := s.readLine()
		if err != nil || strings.TrimSpace(line) == "" {
			return
		}
	}
}

// maxHeaderLine is how much of one header line is kept: a line longer
// than this is junk or a body sent without headers, of which only the end
// can hold the next Content-Length.
const maxHeaderLine = 4096

// readLine reads one line, of which it keeps the last maxHeaderLine
// bytes, so that a stream without line ends (such as /dev/zero) costs
// no memory; n counts every byte read.
func (s *stream) readLine() (line string, n int64, err error) {
	var keep []byte
	for {
		frag, err := s.in.ReadSlice('\n')
		n += int64(len(frag))
		keep = append(keep, frag...)
		if len(keep) > maxHeaderLine {
			keep = append([]byte(nil), keep[len(keep)-maxHeaderLine:]...)
		}
		if err != bufio.ErrBufferFull {
			return string(keep), n, err
		}
	}
}

func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	return s.writeRaw(msg)
}

func (s *stream) writeRaw(msg any) (int64, error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := fmt.Fprintf(s.out, "Content-Length: %d\r\n\r\n%s", len(data), data)
	return int64(n), err
}

func (s *stream) Close() error { return s.c.Close() }
