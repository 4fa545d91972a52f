package remotecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kilnhq/kiln/compiler/cache"
)

// format names kiln's records and their key space; a change of either
// changes it, so that no kiln reads a record it would misread. v1 was a
// text record, which caches that check their action entries refuse.
const format = "kiln-remote-v2"

// actionKey is the /ac/ key of a kiln result: a hash of its ActionID in
// kiln's own namespace, which no Bazel action key can equal.
func actionKey(id cache.ActionID) string {
	h := sha256.New()
	h.Write([]byte(format + "\x00"))
	h.Write(id[:])
	return hex.EncodeToString(h.Sum(nil))
}

// The field numbers kiln writes, from build.bazel.remote.execution.v2 in
// Bazel's remote_execution.proto.
const (
	resultOutputFiles       protowire.Number = 2 // ActionResult.output_files: repeated OutputFile
	resultExecutionMetadata protowire.Number = 9 // ActionResult.execution_metadata: ExecutedActionMetadata
	filePath                protowire.Number = 1 // OutputFile.path: string
	fileDigest              protowire.Number = 2 // OutputFile.digest: Digest
	digestHash              protowire.Number = 1 // Digest.hash: string, lower-case hex
	digestSize              protowire.Number = 2 // Digest.size_bytes: int64
)

// outputPath is the path of the one output file of id's record: it binds
// the record to kiln's format and to the action.
func outputPath(id cache.ActionID) string { return fmt.Sprintf("%s/%x", format, id) }

// formatRecord is the action record of id's output, whose SHA-256 (hex)
// is sum: a Bazel ActionResult with one output file, the output's content
// entry, so that a cache that checks action entries keeps it. The
// encoding is protobuf's canonical one (fields in order, a zero size left
// out), which a server that decodes and re-encodes the record keeps.
func formatRecord(id cache.ActionID, sum string, size int64) []byte {
	var digest []byte
	digest = protowire.AppendTag(digest, digestHash, protowire.BytesType)
	digest = protowire.AppendString(digest, sum)
	if size != 0 {
		digest = protowire.AppendTag(digest, digestSize, protowire.VarintType)
		digest = protowire.AppendVarint(digest, uint64(size))
	}
	var file []byte
	file = protowire.AppendTag(file, filePath, protowire.BytesType)
	file = protowire.AppendString(file, outputPath(id))
	file = protowire.AppendTag(file, fileDigest, protowire.BytesType)
	file = protowire.AppendBytes(file, digest)
	rec := protowire.AppendTag(nil, resultOutputFiles, protowire.BytesType)
	return protowire.AppendBytes(rec, file)
}

// A record is a parsed action record.
type record struct {
	output string // the output's SHA-256, lower-case hex: its /cas/ key
	size   int64
}

// parseRecord parses an action record, which must be of kiln's format
// and name id: a record copied under another key answers nothing there.
// Beside kiln's output file it allows only execution_metadata, which
// bazel-remote adds to every action entry it keeps and which says who
// wrote the entry, not what it means. Anything else, a field kiln does
// not write or the same fields encoded otherwise, is not kiln's record.
func parseRecord(b []byte, id cache.ActionID) (record, error) {
	rest, err := withoutMetadata(b)
	if err != nil {
		return record{}, err
	}
	num, typ, n := protowire.ConsumeTag(rest)
	if n < 0 || num != resultOutputFiles || typ != protowire.BytesType {
		return record{}, errors.New("not an ActionResult with an output file")
	}
	file, m := protowire.ConsumeBytes(rest[n:])
	if m < 0 {
		return record{}, errors.New("a malformed output file")
	}
	path, digest, err := outputFile(file)
	if err != nil {
		return record{}, err
	}
	if path != outputPath(id) {
		return record{}, errors.New("not a " + format + " record of this action")
	}
	r, err := parseDigest(digest)
	if err != nil {
		return record{}, err
	}
	// Only kiln's own encoding of what was read is kiln's record: this
	// refuses other fields, repeated ones and non-canonical encodings in
	// one comparison.
	if !bytes.Equal(rest, formatRecord(id, r.output, r.size)) {
		return record{}, errors.New("not in " + format + "'s encoding")
	}
	return r, nil
}

// withoutMetadata returns the fields of the ActionResult b but its
// execution_metadata, which it requires to be well-formed.
func withoutMetadata(b []byte) ([]byte, error) {
	var rest []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			return nil, errors.New("not a protobuf message")
		}
		if num != resultExecutionMetadata || typ != protowire.BytesType {
			rest = append(rest, b[:n]...)
		}
		b = b[n:]
	}
	return rest, nil
}

// outputFile returns the path and the digest (encoded) of an OutputFile,
// in that order; the comparison with kiln's encoding refuses the rest.
func outputFile(b []byte) (path string, digest []byte, err error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != filePath || typ != protowire.BytesType {
		return "", nil, errors.New("an output file without a path")
	}
	path, m := protowire.ConsumeString(b[n:])
	if m < 0 {
		return "", nil, errors.New("a malformed output path")
	}
	b = b[n+m:]
	num, typ, n = protowire.ConsumeTag(b)
	if n < 0 || num != fileDigest || typ != protowire.BytesType {
		return "", nil, errors.New("an output file without a digest")
	}
	digest, m = protowire.ConsumeBytes(b[n:])
	if m < 0 {
		return "", nil, errors.New("a malformed output digest")
	}
	return path, digest, nil
}

// parseDigest parses a Digest: a SHA-256 in lower-case hex and a size,
// left out when zero.
func parseDigest(b []byte) (record, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != digestHash || typ != protowire.BytesType {
		return record{}, errors.New("a digest without a hash")
	}
	hash, m := protowire.ConsumeString(b[n:])
	if m < 0 || !isSHA256(hash) {
		return record{}, errors.New("a malformed output hash")
	}
	b = b[n+m:]
	if len(b) == 0 {
		return record{output: hash}, nil
	}
	num, typ, n = protowire.ConsumeTag(b)
	if n < 0 || num != digestSize || typ != protowire.VarintType {
		return record{}, errors.New("a malformed output size")
	}
	size, m := protowire.ConsumeVarint(b[n:])
	if m < 0 || int64(size) < 0 {
		return record{}, errors.New("a malformed output size")
	}
	return record{output: hash, size: int64(size)}, nil
}

// isSHA256 reports whether s is a SHA-256 in lower-case hex, as a /cas/
// key is.
func isSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
