package main

import (
	"net/http/httptest"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kilnhq/kiln/compiler/remotecache/remotetest"
)

// cacheserver starts a remote cache server in memory, speaking Bazel's
// HTTP cache protocol on loopback, for the rest of the script: $CACHEURL
// is its URL (below the prefix /kiln). It stops when the script ends.
func cacheserver(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: cacheserver")
	}
	srv := httptest.NewServer(remotetest.New())
	ts.Defer(srv.Close)
	ts.Setenv("CACHEURL", srv.URL+"/kiln")
}
