#!/usr/bin/env bash
# Times one `kiln validate` process on the minimal example beside the
# start-up of a hello-world Go binary, in the same run, and prints the ratio.
# Machines are shared and noisy: read the ratio, not the milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/kiln" ./cmd/kiln
mkdir "$tmp/hello"
cat > "$tmp/hello/main.go" <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello") }
GO
(cd "$tmp/hello" && GOFLAGS= go mod init hello >/dev/null 2>&1 && go build -o "$tmp/hello-bin" .)

# time_runs CMD...: mean wall time of one run, in microseconds.
time_runs() {
	"$@" >/dev/null 2>&1 || true # warm the page cache
	local start end
	start=$(date +%s%N)
	for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1; done
	end=$(date +%s%N)
	echo $(((end - start) / runs / 1000))
}

# Interleave the two so that a noisy neighbour hits both alike.
hello=0 kiln=0
for _ in 1 2 3; do
	hello=$((hello + $(time_runs "$tmp/hello-bin")))
	kiln=$((kiln + $(time_runs "$tmp/kiln" validate examples/minimal/kiln.yaml)))
done
hello=$((hello / 3)) kiln=$((kiln / 3))
echo "hello-world Go binary:                 ${hello} µs per run"
echo "kiln validate examples/minimal:        ${kiln} µs per run"
awk -v k="$kiln" -v h="$hello" 'BEGIN { printf "ratio kiln/hello:                      %.1fx\n", k / h }'
