package remotecache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kilnhq/kiln/compiler/cache"
)

// format names kiln's records and their key space; a change of either
// changes it, so that no kiln reads a record it would misread.
const format = "kiln-remote-v1"

// actionKey is the /ac/ key of a kiln result: a hash of its ActionID in
// kiln's own namespace, which no Bazel action key can equal.
func actionKey(id cache.ActionID) string {
	h := sha256.New()
	h.Write([]byte(format + "\x00"))
	h.Write(id[:])
	return hex.EncodeToString(h.Sum(nil))
}

// formatRecord is the action record of id's output, whose SHA-256 (hex)
// is sum.
func formatRecord(id cache.ActionID, sum string, size int) []byte {
	return fmt.Appendf(nil, "%s\naction %x\noutput %s %d\n", format, id, sum, size)
}

// A record is a parsed action record.
type record struct {
	output string // the output's SHA-256, lower-case hex: its /cas/ key
	size   int64
}

// parseRecord parses an action record, which must be of kiln's format
// and name id: a record copied under another key answers nothing there.
func parseRecord(b []byte, id cache.ActionID) (record, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != 4 || lines[0] != format || lines[3] != "" {
		return record{}, errors.New("not a " + format + " record")
	}
	if lines[1] != fmt.Sprintf("action %x", id) {
		return record{}, errors.New("a record of another action")
	}
	f := strings.Fields(lines[2])
	if len(f) != 3 || f[0] != "output" || len(f[1]) != 2*sha256.Size || strings.ToLower(f[1]) != f[1] {
		return record{}, errors.New("a malformed output line")
	}
	if _, err := hex.DecodeString(f[1]); err != nil {
		return record{}, errors.New("a malformed output hash")
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return record{}, errors.New("a malformed output size")
	}
	return record{output: f[1], size: size}, nil
}
