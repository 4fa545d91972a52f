// Package lineend rewrites a text's line endings each way an editor may
// save them, for tests and fuzz seeds: kiln must read every one alike.
package lineend

import "bytes"

// Variants returns src with its \n line endings written as \r\n (Windows),
// as a lone \r (classic Mac OS) and as a mix of the three.
func Variants(src []byte) [][]byte {
	return [][]byte{
		bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")),
		bytes.ReplaceAll(src, []byte("\n"), []byte("\r")),
		Mixed(src),
	}
}

// Mixed ends src's lines with \n, \r and \r\n in turn. In that order a
// lone \r is never followed by a \n, which would make the two one ending.
func Mixed(src []byte) []byte {
	var out []byte
	n := 0
	for _, b := range src {
		if b != '\n' {
			out = append(out, b)
			continue
		}
		out = append(out, []string{"\n", "\r", "\r\n"}[n%3]...)
		n++
	}
	return out
}
