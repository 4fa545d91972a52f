package remotetest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of build.bazel.remote.execution.v2, from Bazel's
// remote_execution.proto: only those the checks read.
const (
	resultOutputFiles       protowire.Number = 2 // ActionResult.output_files
	resultExecutionMetadata protowire.Number = 9 // ActionResult.execution_metadata
	filePath                protowire.Number = 1 // OutputFile.path
	fileDigest              protowire.Number = 2 // OutputFile.digest
	digestHash              protowire.Number = 1 // Digest.hash
	digestSize              protowire.Number = 2 // Digest.size_bytes
	metadataWorker          protowire.Number = 1 // ExecutedActionMetadata.worker
)

// hashKey is a well-formed hash: what bazel-remote requires of a digest's.
var hashKey = regexp.MustCompile(`^[a-f0-9]{64}$`)

// A digest is an output file's content entry.
type digest struct {
	hash string
	size int64
}

// checkActionResult checks b as bazel-remote checks an action entry
// before it keeps it: it parses as an ActionResult, and every output file
// has a relative path and a well-formed digest. It returns the digests,
// and whether b has execution_metadata.
func checkActionResult(b []byte) (ds []digest, hasMetadata bool, err error) {
	err = eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == resultOutputFiles && typ == protowire.BytesType:
			d, err := checkOutputFile(v)
			ds = append(ds, d)
			return err
		case num == resultExecutionMetadata && typ == protowire.BytesType:
			hasMetadata = true
		}
		return nil
	})
	return ds, hasMetadata, err
}

func checkOutputFile(b []byte) (digest, error) {
	var path string
	var d *digest
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == filePath && typ == protowire.BytesType:
			if !utf8.Valid(v) {
				return errors.New("an output path that is not UTF-8")
			}
			path = string(v)
		case num == fileDigest && typ == protowire.BytesType:
			dd, err := checkDigest(v)
			d = &dd
			return err
		}
		return nil
	})
	switch {
	case err != nil:
		return digest{}, err
	case path == "":
		return digest{}, errors.New("empty path in an output file")
	case strings.HasPrefix(path, "/"):
		return digest{}, fmt.Errorf("absolute path in output file: %q", path)
	case d == nil:
		return digest{}, fmt.Errorf("nil Digest for path %q", path)
	}
	return *d, nil
}

func checkDigest(b []byte) (digest, error) {
	var d digest
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == digestHash && typ == protowire.BytesType:
			d.hash = string(v)
		case num == digestSize && typ == protowire.VarintType:
			x, _ := protowire.ConsumeVarint(v)
			d.size = int64(x)
		}
		return nil
	})
	switch {
	case err != nil:
		return digest{}, err
	case !hashKey.MatchString(d.hash):
		return digest{}, fmt.Errorf("invalid digest hash %q", d.hash)
	case d.size < 0:
		return digest{}, fmt.Errorf("invalid digest size %d", d.size)
	}
	return d, nil
}

// eachField calls f with each field of the message b: for a length-
// delimited field its contents, for a varint its encoding.
func eachField(b []byte, f func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("cannot parse invalid wire-format data: %v", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return fmt.Errorf("cannot parse invalid wire-format data: %v", protowire.ParseError(m))
		}
		v := b[n : n+m]
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(v)
		}
		if err := f(num, typ, v); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// withWorker adds execution_metadata naming the writer to an action
// entry that has none, as bazel-remote does to each it keeps: a client
// reads back more than it wrote.
func withWorker(b []byte, worker string) []byte {
	md := protowire.AppendTag(nil, metadataWorker, protowire.BytesType)
	md = protowire.AppendString(md, worker)
	b = protowire.AppendTag(append([]byte(nil), b...), resultExecutionMetadata, protowire.BytesType)
	return protowire.AppendBytes(b, md)
}
