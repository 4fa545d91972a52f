// Package workspace is kiln as a library: one repository opened with its
// configuration and guardrails, then checked, built, tested, linted or
// fixed, or asked which apps a change affects. Every client goes through
// it — the kiln command, the pre-commit hook (kiln check given a
// commit's files), the language server and any Go program that embeds
// kiln — so that they give the same answers. It returns results and
// never prints: the command turns them into reports and exit codes, the
// language server into protocol messages.
//
//	w, err := workspace.Open(ctx, workspace.Options{Dir: "apps/", Cache: eng})
//	affected, err := w.Affected(changedFiles)
//	r, err := w.Check(ctx, affected.Paths, workspace.CheckOptions{})
//	os.Exit(r.ExitCode(diag.Error))
//
// A repository configuration, policy or data file that does not load is
// a *LoadError, positioned in that file; anything wrong with an app is a
// diagnostic of the app, never an error.
//
// # Where things are
//
// The workspace ties kiln's stages together; each stage is a package of
// its own under compiler/ (compiler/doc.go draws the pipeline):
//
//	workspace       Open, Check, Build, Test, Lint, Fix, Validate, Affected; NewEditor for the language server
//	  check.go      one app's check as a cached computation: its key, its stored record, drift of committed output
//	  build.go      one app's build, cached, and the trees kiln build writes
//	  test.go       test discovery, config tests, coverage
//	  lint.go       apps and plain manifests through validation and the guardrails
//	  affected.go   changed files → the apps whose results they can change
//	  guardrails.go the configuration, policies, data and waivers of a repository
//	  editor.go     the language server's engine: the same computations over the editor's buffers
//	cmd/kiln/cli    flags, help, reports, progress, exit codes
//	lsp             the Language Server Protocol, documents, debouncing; the engine comes in as lsp.Checker (an Editor)
//	compiler/...    the stages: load, check, compile, overlay, patch, validate, guard, emit, report, the engine and the cache
//	internal/...    the sandbox that evaluates a repository's code in worker processes, test helpers
//
// Imports flow one way: cmd/kiln/cli → workspace → lsp (for views) and
// compiler/* → compiler/diag → compiler/source. lsp never imports
// workspace or cli; its tests drive a real Editor.
package workspace
