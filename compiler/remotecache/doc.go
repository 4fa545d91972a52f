// Package remotecache is a cache.Store kept on a server that speaks the
// HTTP remote cache protocol of Bazel: GET and PUT of /ac/<sha256> (action
// results) and /cas/<sha256> (content, named by its SHA-256), below the
// URL's path. nginx with WebDAV, bazel-remote and the cache services that
// serve Bazel serve kiln unchanged.
//
// # Records
//
// kiln's records are its own, written in Bazel's message so that caches
// that check action entries keep them. The action key of a kiln result is
// sha256("kiln-remote-v2\x00" + its ActionID): a namespace of kiln's own,
// so that a Bazel entry and a kiln entry never share a key (kiln's
// version is already in the ActionID, see engine.Engine.Key). The action
// entry is a build.bazel.remote.execution.v2.ActionResult with one output
// file, encoded with protowire, not generated code:
//
//	output_files { path: "kiln-remote-v2/<ActionID, hex>"
//	               digest { hash: "<SHA-256 of the output, hex>" size_bytes: <size> } }
//
// and the output's bytes are the content entry under their SHA-256. The
// path binds the record to kiln's format and to the action; a record of
// another format (v1 was a text record) or action is a miss. A read
// allows one addition, execution_metadata, which bazel-remote adds to
// every action entry naming who wrote it; any other field is a miss.
//
// # Trust
//
// A server is trusted to be available, never to be right: a read checks
// that the record is kiln's format and names the action asked for, that
// the content has the recorded size and hash, and that neither body is
// larger than its bound (a server answering endless bytes is not read
// past it). Anything else is a miss, counted in Stats. What a hash cannot
// check is whether the writer was honest: a record written by someone who
// may write the cache is believed. So the store is read-only unless
// Options.Write is set, and only trusted builds (a protected branch, never
// a pull request from a fork) should set it.
//
// # Failure
//
// A remote cache must never make a run slower than running without it by
// more than Options.Timeout. Each Get and Put, both of its requests and
// their one retry included, ends within Timeout. A 404 is a plain miss.
// The first transport error, time-out or server error (5xx, after the
// retry) or refusal of a read (401, 403) switches the store off for the
// rest of the process, says so once through Options.Warn, and cuts short
// every request still in flight; from then on Get misses and Put does
// nothing, at once. A server that refuses writes (a 4xx to a PUT) leaves
// the store reading, with one warning; for an action entry refused as
// bad (400), the warning says the server checks them and that its log
// says why.
package remotecache
