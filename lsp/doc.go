// Package lsp is kiln's language server: diagnostics as the user types,
// hover, completion, quick fixes, document symbols, go to definition from
// a rule id to its Rego source, and the generated outputs one command away.
//
// The layers follow gopls: the protocol types and JSON-RPC framing come
// from go.lsp.dev (protocol, jsonrpc2); server.go only translates requests;
// documents.go holds the open buffers, which are overlays on the file
// system; and the work is kiln's own engine, reached through a Checker,
// the same code `kiln check` runs, so the editor, the hook and CI cannot
// give different answers.
//
// Positions are byte offsets everywhere in kiln. The protocol counts
// UTF-16 code units; the conversion happens here, in one place (rangeOf and offsetOf in diagnostics.go),
// through source.File.LineCol16 and Offset16.
//
// Edits are debounced (Options.Debounce). A newer version of a document
// cancels the evaluation of an older one, and diagnostics computed for a
// version that is no longer current are never published.
package lsp
