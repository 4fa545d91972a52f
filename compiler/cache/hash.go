package cache

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"strconv"
)

// A Hash computes an ActionID from a computation's inputs. Each input is
// written with its name and length, so that no two different input lists
// hash alike ("ab"+"c" and "a"+"bc" do not).
type Hash struct {
	h     hash.Hash
	trace io.Writer // KILN_DEBUG=cachehash=1: every input, to stderr
	name  string
	head  []byte // the last input's header, its memory reused
}

// NewHash starts the ActionID of the computation named name (a stage and
// its version, such as "check/v1"). trace, when not nil, receives each
// input as it is written.
func NewHash(name string, trace io.Writer) *Hash {
	h := &Hash{h: sha256.New(), trace: trace, name: name}
	h.Add("computation", []byte(name))
	return h
}

// Add writes one named input: "what len\n", then data.
func (h *Hash) Add(what string, data []byte) {
	// By hand rather than with fmt.Fprintf, in a buffer kept for the
	// next input: a warm run keys every app, and formatting was most of
	// the cost of writing a short input.
	b := append(h.head[:0], what...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(data)), 10)
	h.head = append(b, '\n')
	h.h.Write(h.head)
	h.h.Write(data)
	if h.trace != nil {
		fmt.Fprintf(h.trace, "cachehash %s: %s %d bytes %x\n", h.name, what, len(data), sha256.Sum256(data))
	}
}

// AddString writes one named string input, as Add writes its bytes. A
// short one goes with its header in one write, without a copy of its
// own: keys are mostly short strings, one per field.
func (h *Hash) AddString(what, s string) {
	if len(s) > 256 || h.trace != nil {
		h.Add(what, []byte(s))
		return
	}
	b := append(h.head[:0], what...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\n')
	h.head = append(b, s...)
	h.h.Write(h.head)
}

// Sum returns the ActionID of everything written.
func (h *Hash) Sum() ActionID {
	var id ActionID
	h.h.Sum(id[:0])
	return id
}

func sumOf(data []byte) [32]byte { return sha256.Sum256(data) }
