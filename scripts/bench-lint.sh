#!/usr/bin/env bash
# Lints the emitted manifests of 1000 generated apps with kiln lint, the
# same manifests with kubeconform -strict (schema validation alone, against
# kiln's own embedded schemas written in kubeconform's layout by
# go run ./schemas/kube/gen -kubeconform), and with conftest running kiln's
# own built-in rules (through a package main wrapper, with --combine so each
# rule sees a whole file as kiln's do), in the same run, and prints the
# ratios. kiln does both jobs: it validates every document strictly, as
# kubeconform does, and runs the rules, as conftest does; both validators
# must count the same invalid documents. kubeconform and conftest are
# installed into a temporary directory from the Go module proxy; the test
# suite never needs them. kiln-bench prints the same table, from medians of
# alternating runs. Machines are shared and noisy: read the ratios, not the
# seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
apps=${APPS:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/kiln" ./cmd/kiln
GOBIN="$tmp" go install github.com/open-policy-agent/conftest@latest
(cd "$tmp" && GOBIN="$tmp" GOFLAGS=-mod=mod go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0)
go run ./schemas/kube/gen -kubeconform "$tmp/schemas"
go run ./scripts/genapps -n "$apps" -o "$tmp/apps"
"$tmp/kiln" build "$tmp/apps" -o "$tmp/out" --emit k8s --no-policy >/dev/null 2>&1
mapfile -t files < <(find "$tmp/out" -path '*/rendered/*.yaml' | sort)

mkdir "$tmp/policy"
for f in policies/*.rego; do
	case "$f" in *_test.rego) ;; *) cp "$f" "$tmp/policy/" ;; esac
done
cat > "$tmp/policy/conftest_wrapper.rego" <<'REGO'
package main

import rego.v1

# Each file's documents (--combine gives one entry per document), judged
# together by every kiln rule, as kiln does.
paths := {e.path | some e in input}

deny contains sprintf("%s: %s: %v", [path, name, r]) if {
	some path in paths
	objs := [e.contents | some e in input; e.path == path; is_object(e.contents)]
	some name
	r := data.kiln.rules[name].deny[_] with input as {"objects": objs, "environment": "default"}
		with data.kiln.context as {"environment": "default", "production": false}
}
REGO

# seconds CMD...: wall time of one run, in milliseconds.
millis() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}

kubeconform=("$tmp/kubeconform" -strict -summary -schema-location "$tmp/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json")
kiln_ms=$(millis "$tmp/kiln" lint -j "$(nproc)" "${files[@]}")
kubeconform_ms=$(millis "${kubeconform[@]}" "${files[@]}")
conftest_ms=$(millis "$tmp/conftest" test --combine --no-color -p "$tmp/policy" "${files[@]}")
kiln_findings=$("$tmp/kiln" lint --format json "${files[@]}" 2>/dev/null | grep -c '"code":' || true)
kiln_invalid=$("$tmp/kiln" lint --format json "${files[@]}" 2>/dev/null | grep -c '"code": "kube/' || true)
kubeconform_summary=$("${kubeconform[@]}" "${files[@]}" 2>/dev/null | tail -1 || true)
conftest_findings=$("$tmp/conftest" test --combine --no-color -o json -p "$tmp/policy" "${files[@]}" 2>/dev/null | grep -c '"msg":' || true)

echo "manifest files:       ${#files[@]} (from $apps apps)"
echo "kiln lint:            ${kiln_ms} ms, ${kiln_findings} findings, ${kiln_invalid} schema errors (strict validation and the rules)"
echo "kubeconform -strict:  ${kubeconform_ms} ms, ${kubeconform_summary}"
echo "conftest test:        ${conftest_ms} ms, ${conftest_findings} findings"
awk -v k="$kiln_ms" -v c="$kubeconform_ms" 'BEGIN { printf "kiln / kubeconform:   %.2f\n", k / c }'
awk -v k="$kiln_ms" -v c="$conftest_ms" 'BEGIN { printf "kiln / conftest:      %.2f\n", k / c }'
