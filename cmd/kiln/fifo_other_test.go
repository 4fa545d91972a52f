//go:build !unix

package main

import "github.com/rogpeppe/go-internal/testscript"

// mkfifo NAME: there are no named pipes here.
func mkfifo(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("mkfifo: no named pipes on this system")
}
