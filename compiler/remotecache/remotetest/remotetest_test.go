package remotetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func put(t *testing.T, url, path string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url+"/"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	msg.ReadFrom(resp.Body)
	return resp.StatusCode, msg.String()
}

// message encodes fields given as (number, value) pairs: a []byte value
// is length-delimited, an int a varint.
func message(fields ...any) []byte {
	var b []byte
	for i := 0; i < len(fields); i += 2 {
		num := protowire.Number(fields[i].(int))
		switch v := fields[i+1].(type) {
		case []byte:
			b = protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
		case string:
			b = protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), v)
		case int:
			b = protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), uint64(v))
		}
	}
	return b
}

// result is an ActionResult with one output file.
func result(path, hash string, size int) []byte {
	return message(2, message(1, path, 2, message(1, hash, 2, size)))
}

func TestActionEntriesAreChecked(t *testing.T) {
	c := New()
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	content := []byte("the output")
	sum := fmt.Sprintf("%x", sha256.Sum256(content))
	if code, msg := put(t, srv.URL, "cas/"+sum, content); code != http.StatusCreated {
		t.Fatalf("PUT content: %d %s", code, msg)
	}
	absent := fmt.Sprintf("%x", sha256.Sum256([]byte("absent")))
	refused := []struct {
		name, body, want string
	}{
		{"a text record", fmt.Sprintf("kiln-remote-v1\naction %s\noutput %s %d\n", absent, sum, len(content)), "not an ActionResult: cannot parse"},
		{"garbage", "\x00\x01garbage", "not an ActionResult: cannot parse"},
		{"a truncated message", string(result("out", sum, len(content))[:20]), "not an ActionResult: cannot parse"},
		{"content the cache lacks", string(result("out", absent, 6)), "names content the cache lacks"},
		{"content of another size", string(result("out", sum, len(content)+1)), "names content the cache lacks"},
		{"an upper-case hash", string(result("out", strings.ToUpper(sum), len(content))), "invalid digest hash"},
		{"an absolute path", string(result("/out", sum, len(content))), "absolute path"},
		{"an empty path", string(result("", sum, len(content))), "empty path"},
		{"no digest", string(message(2, message(1, "out"))), "nil Digest"},
	}
	for _, r := range refused {
		if code, msg := put(t, srv.URL, "kiln/ac/"+absent, []byte(r.body)); code != http.StatusBadRequest || !strings.Contains(msg, r.want) {
			t.Errorf("%s: %d %q, want 400 %q", r.name, code, msg, r.want)
		}
	}
	if _, ok := c.Entry("ac/" + absent); ok {
		t.Fatal("a refused action entry was kept")
	}

	ok := result("out", sum, len(content))
	if code, msg := put(t, srv.URL, "kiln/ac/"+absent, ok); code != http.StatusCreated {
		t.Fatalf("a valid ActionResult: %d %s", code, msg)
	}
	kept, _ := c.Entry("ac/" + absent)
	if !bytes.HasPrefix(kept, ok) || !bytes.Contains(kept[len(ok):], []byte("127.0.0.1:")) {
		t.Errorf("kept %q, want what was written and the writer's address", kept)
	}
	// An empty ActionResult names nothing, and is valid.
	if code, msg := put(t, srv.URL, "ac/"+sum, nil); code != http.StatusCreated {
		t.Errorf("an empty ActionResult: %d %s", code, msg)
	}
}
