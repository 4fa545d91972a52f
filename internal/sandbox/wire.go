package sandbox

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// maxFrame bounds one message either way: a result larger than this is
// refused rather than read, so a worker cannot exhaust the parent.
const maxFrame = 64 << 20

// A request asks a worker to run one task.
type request struct {
	Task string          `json:"task"`
	Req  json.RawMessage `json:"req"`
}

// A fileReply answers a worker's read.
type fileReply struct {
	Data []byte `json:"data,omitempty"`
	Err  string `json:"err,omitempty"`
	// NotExist says the file does not exist, so that the worker's reader
	// returns an error that is fs.ErrNotExist, as the parent's was.
	NotExist bool `json:"notExist,omitempty"`
}

// A workerMsg is what a worker sends: a read of a file, or the task's
// result.
type workerMsg struct {
	Read   string          `json:"read,omitempty"`
	Done   bool            `json:"done,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Err    string          `json:"err,omitempty"`
	// Peak is the worker's peak resident set in bytes, when known.
	Peak int64 `json:"peak,omitempty"`
}

// writeFrame writes v as a 4-byte big-endian length and its JSON.
func writeFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxFrame {
		return fmt.Errorf("message of %d bytes is over the %d-byte bound", len(b), maxFrame)
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// readFrame reads one frame written by writeFrame into v.
func readFrame(r *bufio.Reader, v any) error {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return fmt.Errorf("message of %d bytes is over the %d-byte bound", size, maxFrame)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
