// Package apptest runs config tests: the promises an app's team writes
// beside its definition (kiln_test.yaml suites of cases with env, set and
// assertions; kiln_test.cue constraints) checked against what kiln builds,
// guardrails included. docs/testing.md describes the format.
//
// Parse and ParseCUE read a test file into cases, with every mistake
// positioned; Run and RunCUE build the app once per case, through the same
// build stage as kiln build, and return each case's failures as
// diagnostics at the assertion that failed. A run is a function of the
// app, the test file and the build options, so the engine can cache it
// like any other stage.
package apptest
