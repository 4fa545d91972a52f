package objdiff

import (
	udiff "github.com/aymanbagabas/go-udiff"
)

// contextLines is how many unchanged lines surround each hunk, as in
// git diff and diff -u.
const contextLines = 3

// Unified is a unified diff of two texts, with file names for the
// header; "" when the texts are equal. The diff is computed by
// go-udiff, the Myers diff of the Go tools (gopls) kept as a library.
func Unified(oldName, newName string, old, new []byte) string {
	a, b := string(old), string(new)
	out, err := udiff.ToUnified(oldName, newName, a, udiff.Lines(a, b), contextLines)
	if err != nil {
		// Lines' edits always apply to the text they came from.
		panic("objdiff: inconsistent edits: " + err.Error())
	}
	return out
}
