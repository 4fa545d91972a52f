// Package remotecache is a cache.Store kept on a server that speaks the
// HTTP remote cache protocol of Bazel: GET and PUT of /ac/<sha256> (action
// results) and /cas/<sha256> (content, named by its SHA-256), below the
// URL's path. nginx with WebDAV, bazel-remote and the cache services that
// serve Bazel serve kiln unchanged.
//
// # Records
//
// kiln stores its own records there, not Bazel's ActionResult messages.
// The action key of a kiln result is sha256("kiln-remote-v1\x00" + its
// ActionID): a namespace of kiln's own, so that a Bazel entry and a kiln
// entry never share a key (kiln's version is already in the ActionID, see
// engine.Engine.Key). The action entry is a short text record:
//
//	kiln-remote-v1
//	action <ActionID, hex>
//	output <SHA-256 of the output, hex> <size>
//
// and the output's bytes are the content entry under their SHA-256.
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
// the store reading, with one warning; bazel-remote refuses kiln's
// records unless started with --disable_http_ac_validation, as it checks
// that an action entry is Bazel's ActionResult.
package remotecache
