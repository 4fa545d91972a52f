// Package guard is the guard stage: OPA/Rego guardrails over the app, every
// object built from it and a hand-written Dockerfile beside it. A Bundle is
// compiled once per process and shared by every app and environment;
// evaluating one recompiles nothing.
//
// Two kinds of policy run. kiln rules are packages under kiln.rules, one
// rule per package, declared by a METADATA block (title, description,
// custom.id, custom.severity, custom.remediation); they see one environment
// of one app at a time:
//
//	input.app          the app definition, merged for the environment (absent for plain YAML)
//	input.environment  the environment's name
//	input.objects      every object emitted for it, or the documents of a plain YAML file
//	input.dockerfile   the instructions of a hand-written Dockerfile, when there is one
//	data.kiln.context  environment, production, kubernetes_version, app, owner, sla
//	data.kiln.apis     the deprecated and removed Kubernetes APIs (compiler/apiversions), by "apiVersion/kind"
//	data.kiln.inventory every object judged with input.objects, by kind and name (see Inventory)
//
// and return findings from a partial set deny (see policies/lib.rego for
// their shapes). conftest-style policies (deny, violation and warn, and
// those names with _suffixes, in package main or the namespaces of
// Options.Namespaces, with their exception rules) see one document at a
// time, exactly as conftest presents it, with data.kiln.context beside it,
// so a team's existing policies run unchanged (see conftest.go); a
// repository's policy that is not Rego v1 is read as Rego v0. A policy
// file kiln would not run is an error.
//
// Rules run sandboxed: builtins that reach the network, the host's files
// or the environment (Refused: http.send, net.lookup_ip_addr, opa.runtime,
// json.match_schema and json.verify_schema, whose $ref loads files and
// URLs) are removed from the capabilities, so a policy that uses one does
// not compile, and builtin errors are strict.
package guard
