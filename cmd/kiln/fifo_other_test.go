//go:build !unix

package main

import "github.com/rogpeppe/go-internal/testscript"

// mkfifo NAME: no named pipes here; the script is skipped.
func mkfifo(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("no named pipes on this system")
}
