package cli

import (
	"os"
	"testing"
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
