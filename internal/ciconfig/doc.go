// Package ciconfig reads the CI configurations kiln ships — the GitHub
// Actions composite action (action.yml at the repository root) and the
// GitLab CI job (docs/ci/gitlab-ci.yml) — so that tests can hold them to
// what kiln is: their inputs declared and used, their actions pinned, their
// kiln command lines made of flags kiln has, and their scripts run for
// real against the binary under test.
//
// It reads only these two files; it is not a general model of either CI
// system. Expressions (${{ ... }}) are evaluated only in the one form the
// action's run steps receive them: a single context reference such as
// inputs.paths or steps.base.outputs.ref, the whole of an env: value.
package ciconfig
