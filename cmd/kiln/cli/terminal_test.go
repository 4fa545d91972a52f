package cli

import (
	"os"
	"testing"
	"time"
)

// /dev/null is a character device but no terminal: output sent there, or
// to a file, is never coloured and shows no progress line.
func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("/dev/null taken for a terminal")
	}
	if useColor(&Env{Stdout: f, Getenv: func(string) string { return "" }}, false) {
		t.Error("output to /dev/null is coloured")
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		count, total int
		want         string
	}{
		{0, 1000, "kiln: [>                             ] 0/1000 apps, 1.5s"},
		{412, 1000, "kiln: [============>                 ] 412/1000 apps, 1.5s"},
		{1000, 1000, "kiln: [==============================] 1000/1000 apps, 1.5s"},
	} {
		if got := line(tc.count, tc.total, 1500*time.Millisecond); got != tc.want {
			t.Errorf("line(%d, %d) =\n%q, want\n%q", tc.count, tc.total, got, tc.want)
		}
	}
}
