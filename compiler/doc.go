// Package compiler is kiln's engine: the pipeline that every command, the
// pre-commit hook, the CI gate and the language server run alike.
//
//	discover → load → check(schema) → compile → overlay(env) → validate(k8s)
//	        → guard(policy) → test(unit) → emit
//
// Each stage is a package; each is a function of explicit inputs (bytes, the
// schema, options) returning a value and a diag.List, with no global state,
// so that a cache or an editor session can wrap a stage without changing it.
//
//	source    File and Pos: bytes, and byte offsets turned into line:col.
//	diag      Diagnostic and List: the one finding type of every stage.
//	discover  one scan of a repository: its root, apps, tests, snapshots, Dockerfiles, manifests.
//	load      YAML, JSON, CUE or Jsonnet → load.Doc, a tree with a position on every value.
//	schema    the app schema: CUE source, generated JSON Schema, Kubernetes formats, explain.
//	check     load.Doc → app.App with defaults, or every schema violation, positioned.
//	app       the typed, checked app that later stages compile.
//	overlay   one environment's overrides merged into the app, in typed Go.
//	compile   app.App → Kubernetes objects, recording each field's origin.
//	sourcemap origins of emitted fields, and where the definition wrote them.
//	patch     spec.patches, applied with kustomize's PatchTransformer.
//	validate  each object against the Kubernetes API schema (schemas/kube), strictly.
//	guard     Rego guardrails (policies/, the repository's own, conftest's) over the app,
//	          its objects and its Dockerfile, sandboxed.
//	waiver    exemptions from a rule, with a reason and an expiry; expired and unused ones are findings.
//	config    the repository's .kiln/config.yaml: policies, data, disabled rules, severities, waivers.
//	build     overlay → compile → patch → validate → guard for every environment of one app.
//	lint      plain Kubernetes YAML → validate (CRDs included) → guard, positioned in that YAML.
//	slo       the SLA's Prometheus recording rules and burn-rate alerts, per environment.
//	dockerfile the Dockerfile of spec.build, and a hand-written one parsed for the guardrails.
//	helm      kiln's generic chart and the values that make it render kiln's objects.
//	catalog   the Backstage catalog entry.
//	emit      rendered/<env>.yaml, kustomize base/ and overlays/, and the other
//	          artifacts, written atomically.
//	report    diagnostics as text (with source line and caret), JSON, SARIF, GitHub commands, JUnit.
//	apptest   config tests (kiln_test.yaml, kiln_test.cue) run against the built artifacts.
//	cache     the stores (cache.Store): the content-addressed store on disk, and its bounded memory layer.
//	engine    stages (engine.Stage): computations keyed by every field of their input, shared while in flight.
//	repofile  reads confined to the repository, and Source: the disk, or an editor's buffers over it.
//	fix       edits of the definition that resolve a diagnostic, for kiln fix and the editor.
//	explain   the documentation of a field, for kiln explain and the editor's hover.
//	suggest   did-you-mean: the known name nearest a misspelled one.
//	yamlsyntax the line of a YAML syntax error, for load and patch.
//
// Package workspace (beside compiler/) ties the stages into what every
// client runs: the kiln command, the pre-commit hook, CI and the language
// server (package lsp), which gets the same computations over the
// editor's buffers through the engine's memory layer.
//
// A stage returns an error value only when kiln itself failed; anything
// wrong with the user's input is a Diagnostic with a position.
package compiler
