// Package load reads one app definition, written in YAML, JSON, CUE or
// Jsonnet, into a Doc: a tree of plain values in which every field keeps the
// file, line and column it came from.
//
// Load is the first stage of the pipeline. It knows nothing of the app
// schema; it only turns bytes into positioned values and reports, with a
// position, everything that stops it doing so: syntax errors, duplicate keys,
// several documents in one file, bytes that are not UTF-8 text, inputs over
// the size limit, YAML alias bombs, Jsonnet errors and runaway evaluations.
package load
