package lineend

import (
	"bytes"
	"testing"
)

func TestVariants(t *testing.T) {
	got := Variants([]byte("a\nb\n\nc\n"))
	for i, want := range []string{"a\r\nb\r\n\r\nc\r\n", "a\rb\r\rc\r", "a\nb\r\r\nc\n"} {
		if string(got[i]) != want {
			t.Errorf("variant %d = %q, want %q", i, got[i], want)
		}
	}
	if !bytes.Equal(Mixed([]byte("no break")), []byte("no break")) {
		t.Error("a text without line breaks changed")
	}
}
